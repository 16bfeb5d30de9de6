import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { AuditWriter } from '@idsync/audit';
import { TOPICS, scimChangeKey, topicName, type ScimChangeOperation, type ScimChangeRecord } from '@idsync/contracts';
import type { ScimJsonObject } from '@idsync/identity';
import type { ScimPrincipal } from '../tenants/scim-token.service';
import { OutboxWriter } from '../outbox/outbox-writer';
import type { StoredResource } from './store/scim-resource.store';

export interface RecordedChange {
  principal: ScimPrincipal;
  operation: ScimChangeOperation;
  resource: StoredResource;
  /** The full SCIM representation after the change; null on delete. */
  representation: ScimJsonObject | null;
  changedAttributes: string[];
  previous?: ScimChangeRecord['previous'];
}

/**
 * Writes the audit record and the outbox row of a SCIM change in the caller's transaction:
 * the change, its audit trail and its Kafka record commit together or not at all.
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
    await AuditWriter.record(tx, {
      tenantId: principal.tenantId,
      actorType: 'scim-token',
      actorId: principal.tokenId,
      action: `${resource.type.toLowerCase()}.${change.operation}`,
      resourceType: resource.type,
      resourceId: resource.id,
      details: { version, changedAttributes: change.changedAttributes, changeId: record.changeId },
    });
    await OutboxWriter.enqueue(tx, [
      {
        tenantId: principal.tenantId,
        topic: topicName(TOPICS.scimChanges),
        key: scimChangeKey(principal.tenantId, resource.id),
        payload: record,
        headers: { 'idsync-change-id': record.changeId },
      },
    ]);
  }
}
