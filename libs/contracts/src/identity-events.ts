import type { ScimChangeActor, ScimResourceKind } from './scim-change';

/**
 * The public identity event contract (idsync.identity.events.v1): CloudEvents 1.0 in Kafka binary
 * mode — attributes as `ce_*` headers, `content-type: application/json`, the data as the value.
 * Key: `${tenantId}:${subjectId}` so one resource's events stay in order on one partition.
 */
export const IDENTITY_EVENT_TYPES = {
  userCreated: 'idsync.user.created',
  userUpdated: 'idsync.user.updated',
  userDeactivated: 'idsync.user.deactivated',
  userReactivated: 'idsync.user.reactivated',
  userDeleted: 'idsync.user.deleted',
  /** The full current state, re-stated by reconciliation or a subscription re-sync (not an IdP change). */
  userSnapshot: 'idsync.user.snapshot',
  groupCreated: 'idsync.group.created',
  groupUpdated: 'idsync.group.updated',
  groupDeleted: 'idsync.group.deleted',
  /** The full current state (with direct members), re-stated by reconciliation or a subscription re-sync. */
  groupSnapshot: 'idsync.group.snapshot',
  groupMemberAdded: 'idsync.group.member.added',
  groupMemberRemoved: 'idsync.group.member.removed',
} as const;

export type IdentityEventType = (typeof IDENTITY_EVENT_TYPES)[keyof typeof IDENTITY_EVENT_TYPES];

/** CloudEvents extension attributes idsync sets (names: lowercase alphanumerics, per the spec). */
export interface IdentityEventExtensions {
  /** Per-subject, strictly increasing within the subject: the resource version, zero-padded. */
  sequence: string;
  tenantid: string;
  /** `<actor type>:<actor id>`, e.g. `scim-token:<token id>` — never a secret. */
  actor: string;
  /** The input change the event derives from (the outbox change id). */
  changeid: string;
}

export interface IdentityEventData {
  tenantId: string;
  resourceType: ScimResourceKind;
  resourceId: string;
  /** Version of the resource after the change (the sequence, as a number). */
  version: number;
  actor: ScimChangeActor;
  /** Attribute paths the change touched (empty for member events and deletes). */
  changedAttributes: string[];
  /**
   * The resource after the change (SCIM JSON without secrets); null for deletes. Full for every
   * type but idsync.group.member.added/removed, which carry the group WITHOUT `members` (id,
   * schemas, displayName, externalId, meta…; null when the group itself was deleted): one event
   * per member stays ~1 KB at any group size. The membership is in group.created/updated/snapshot
   * and on the compacted groups topic.
   */
  resource: Record<string, unknown> | null;
  /** For idsync.group.member.added/removed: the member added or removed. */
  member?: { id: string; type: ScimResourceKind };
}

export function identityEventKey(tenantId: string, subjectId: string): string {
  return `${tenantId}:${subjectId}`;
}
