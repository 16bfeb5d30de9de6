import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { AuditWriter, attributeDiff } from '@idsync/audit';
import { TOPICS, scimChangeKey, topicName, type ScimChangeOperation, type ScimChangeRecord } from '@idsync/contracts';
import type { ScimJsonObject } from '@idsync/identity';
import type { ScimPrincipal } from '../tenants/scim-token.service';
import { OutboxWriter } from '../outbox/outbox-writer';
import type { StoredResource } from './store/scim-resource.store';
import { encryptedAttributeOf } from './store/pii-encryption';

export interface RecordedChange {
  principal: ScimPrincipal;
  operation: ScimChangeOperation;
  resource: StoredResource;
  /** The full SCIM representation after the change; null on delete. */
  representation: ScimJsonObject | null;
  changedAttributes: string[];
  previous?: ScimChangeRecord['previous'];
  /** The stored document before the change (null on create), for the audit diff; without it the audit names changed attributes only. */
  before?: ScimJsonObject | null;
}

/**
 * Writes the outbox row and the audit record of a SCIM change in the caller's transaction:
 * the change, its audit trail and its Kafka record commit together or not at all. The audit
 * record goes last: it takes the tenant's audit chain lock, held until the caller commits.
 */
@Injectable()
export class ScimChangeRecorder {
  async record(tx: EntityManager, change: RecordedChange): Promise<void> {
    const { principal, resource } = change;
    const version = change.operation === 'delete' ? resource.version + 1 : resource.version;
    const record: ScimChangeRecord = {
      changeId: randomUUID(),
      tenantId: principal.tenantId,
      resourceType: resource.type,
      resourceId: resource.id,
      operation: change.operation,
      version,
      occurredAt: new Date().toISOString(),
      actor: { type: 'scim-token', id: principal.tokenId },
      changedAttributes: change.changedAttributes,
      resource: change.representation,
      previous: change.previous ?? null,
    };
    await OutboxWriter.enqueue(tx, [
      {
        tenantId: principal.tenantId,
        topic: topicName(TOPICS.scimChanges),
        key: scimChangeKey(principal.tenantId, resource.id),
        payload: record,
        headers: { 'idsync-change-id': record.changeId },
      },
    ]);
    await AuditWriter.record(tx, {
      tenantId: principal.tenantId,
      actorType: 'scim-token',
      actorId: principal.tokenId,
      action: `${resource.type.toLowerCase()}.${change.operation}`,
      resourceType: resource.type,
      resourceId: resource.id,
      details: { version, changedAttributes: change.changedAttributes, changeId: record.changeId },
      changes: auditChanges(change),
    });
  }
}

/** Paths with before/after values; passwords only as a redacted path (attributeDiff never records their values). */
function auditChanges(change: RecordedChange) {
  const alsoChanged = change.changedAttributes.filter((a) => a === 'password');
  if (change.before === undefined && change.operation !== 'create') return change.changedAttributes.map((path) => (path === 'password' ? { path, redacted: true as const } : { path }));
  const after = change.operation === 'delete' ? null : change.resource.data;
  const diff = attributeDiff(change.before ?? null, after, { setAttributes: change.resource.type === 'Group' ? ['members'] : [], alsoChanged });
  // A tenant that stores PII encrypted gets no clear copy of it in the audit trail either: the path only.
  return change.resource.piiEncrypted ? diff.map((c) => (encryptedAttributeOf(c.path) ? { path: c.path, redacted: true as const } : c)) : diff;
}
