/**
 * The record the gateway's outbox relay publishes to idsync.scim.changes.v1, one per committed
 * write. Key: `${tenantId}:${resourceId}` so one resource's changes stay on one partition, in order.
 *
 * `resync` (added in contract 1.1, additive): not an IdP write but a corrective re-statement of a
 * resource's current state, enqueued by reconciliation (docs/RELIABILITY.md) through the same
 * outbox, in the same transaction that locks the resource and bumps its version — so it is
 * ordered with the real writes and its version is a new, higher one. It carries the full
 * resource and no `previous`; the worker turns it into one `idsync.<kind>.snapshot` event and a
 * current-state record.
 */
export type ScimChangeOperation = 'create' | 'replace' | 'patch' | 'delete' | 'resync';
export type ScimResourceKind = 'User' | 'Group';

export interface ScimChangeActor {
  type: 'scim-token' | 'admin' | 'okta-hook' | 'system';
  id: string;
}

export interface ScimChangeRecord {
  /** The outbox row id: unique, stable across relay retries; downstream ids derive from it. */
  changeId: string;
  tenantId: string;
  resourceType: ScimResourceKind;
  resourceId: string;
  operation: ScimChangeOperation;
  /** The resource's version after the change (1 on create); per-resource sequence. */
  version: number;
  occurredAt: string;
  actor: ScimChangeActor;
  /** Attribute paths the change touched (e.g. `active`, `emails`, `members`). */
  changedAttributes: string[];
  /** The full resource after the change (SCIM JSON, never a password); null on delete. */
  resource: Record<string, unknown> | null;
  /** The resource before the change, where it matters for derivations (active flag, members). */
  previous?: ScimChangePrevious | null;
}

export interface ScimChangePrevious {
  /** `active` before the change (absent when the attribute was not set). */
  active?: boolean;
  /** Group members before the change (group create: []; group delete: every member it had). */
  memberIds?: string[];
  /** Type of each previous member by id, so a member-removed event can say what was removed. */
  memberTypes?: Record<string, ScimResourceKind>;
}

export function scimChangeKey(tenantId: string, resourceId: string): string {
  return `${tenantId}:${resourceId}`;
}
