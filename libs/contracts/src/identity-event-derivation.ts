import { IDENTITY_EVENT_TYPES, identityEventKey, type IdentityEventData, type IdentityEventExtensions, type IdentityEventType } from './identity-events';
import type { ScimChangeRecord, ScimResourceKind } from './scim-change';

/**
 * Derivation of the public identity events from one committed SCIM change — pure and
 * deterministic: the same change record always yields the same events, ids included, so a
 * reprocessed record republishes identical events (consumers dedupe on `id`).
 *
 * Rules
 * - User create → `idsync.user.created`; delete → `idsync.user.deleted`.
 * - User replace/patch → exactly one event: `deactivated` when `active` went true → false,
 *   `reactivated` when false → true, otherwise `updated`. A change that deactivates and also
 *   touches other attributes is still `deactivated` (the departure is what consumers must act
 *   on); `changedAttributes` lists everything it touched. An absent `active` counts as active.
 * - Group create → `idsync.group.created`, then one `member.added` per member.
 * - Group replace/patch → `idsync.group.updated` when an attribute other than `members` changed
 *   (or nothing observable did), then one `member.added` per member in `resource.members` and not
 *   in `previous.memberIds`, then one `member.removed` per id in `previous.memberIds` no longer
 *   listed. A members-only change yields only member events.
 * - Group delete → one `member.removed` per previous member, then `idsync.group.deleted`.
 * - Resync (User or Group) → exactly one `idsync.user.snapshot` / `idsync.group.snapshot` carrying
 *   the full resource (`changedAttributes` empty): a state to apply, not a change to react to; no
 *   member events (the snapshot's `members` is the whole list).
 *
 * Member events carry the group without its `members` list (`data.resource`) plus the one
 * `data.member`: a change adding N members yields N events of ~1 KB each at any group size,
 * instead of N copies of the N-member group (quadratic bytes; over the broker's record limit
 * from ~200 members). The full membership is in group.created/updated/snapshot and on the
 * compacted groups topic.
 *
 * Attributes: `id` = `${changeId}:${index}` (index = position in the derived list); `source` =
 * `/idsync/tenants/<tenantId>`; `subject` = the resource id (the group for member events);
 * `time` = `occurredAt`. `sequence` = the version zero-padded to 12 digits; when one change
 * yields several events each gets `.<index zero-padded to 6>` appended, so plain string order
 * equals processing order within a subject ("…03" < "…03.000000" < "…03.000001" < "…04").
 */
export interface DerivedIdentityEvent {
  id: string;
  source: string;
  type: IdentityEventType;
  subject: string;
  time: string;
  extensions: IdentityEventExtensions;
  data: IdentityEventData;
  /** Kafka key on idsync.identity.events.v1: `${tenantId}:${subject}`. */
  key: string;
}

export const SEQUENCE_VERSION_DIGITS = 12;
export const SEQUENCE_INDEX_DIGITS = 6;

export function identityEventSource(tenantId: string): string {
  return `/idsync/tenants/${tenantId}`;
}

export function identityEventSequence(version: number, index?: number): string {
  const base = String(version).padStart(SEQUENCE_VERSION_DIGITS, '0');
  return index === undefined ? base : `${base}.${String(index).padStart(SEQUENCE_INDEX_DIGITS, '0')}`;
}

/** Attributes that must never leave in an event, even if a record carried them by mistake. */
const SECRET_ATTRIBUTES = new Set(['password']);

export function withoutSecrets(resource: Record<string, unknown> | null): Record<string, unknown> | null {
  if (resource === null) return null;
  return Object.fromEntries(Object.entries(resource).filter(([k]) => !SECRET_ATTRIBUTES.has(k.toLowerCase())));
}

/** The group as a member event carries it: every attribute but `members` (null stays null). */
export function withoutMembers(resource: Record<string, unknown> | null): Record<string, unknown> | null {
  if (resource === null) return null;
  return Object.fromEntries(Object.entries(resource).filter(([k]) => k.toLowerCase() !== 'members'));
}

interface MemberRef {
  id: string;
  type: ScimResourceKind;
}

function isActive(value: unknown): boolean {
  return value !== false;
}

function currentMembers(resource: Record<string, unknown> | null): MemberRef[] {
  const members = resource?.members;
  if (!Array.isArray(members)) return [];
  const out: MemberRef[] = [];
  const seen = new Set<string>();
  for (const m of members as unknown[]) {
    if (typeof m !== 'object' || m === null) continue;
    const { value, type } = m as { value?: unknown; type?: unknown };
    if (typeof value !== 'string' || seen.has(value)) continue;
    seen.add(value);
    out.push({ id: value, type: type === 'Group' ? 'Group' : 'User' });
  }
  return out;
}

function previousMembers(change: ScimChangeRecord): MemberRef[] {
  const ids = change.previous?.memberIds ?? [];
  const types = change.previous?.memberTypes ?? {};
  return [...new Set(ids)].map((id) => ({ id, type: types[id] ?? 'User' }));
}

interface EventDraft {
  type: IdentityEventType;
  member?: MemberRef;
}

function userEvents(change: ScimChangeRecord): EventDraft[] {
  const T = IDENTITY_EVENT_TYPES;
  switch (change.operation) {
    case 'resync':
      return [{ type: T.userSnapshot }];
    case 'create':
      return [{ type: T.userCreated }];
    case 'delete':
      return [{ type: T.userDeleted }];
    default: {
      const was = isActive(change.previous?.active);
      const now = isActive(change.resource?.active);
      if (was && !now) return [{ type: T.userDeactivated }];
      if (!was && now) return [{ type: T.userReactivated }];
      return [{ type: T.userUpdated }];
    }
  }
}

function groupEvents(change: ScimChangeRecord): EventDraft[] {
  const T = IDENTITY_EVENT_TYPES;
  if (change.operation === 'resync') return [{ type: T.groupSnapshot }];
  const before = previousMembers(change);
  if (change.operation === 'delete') {
    return [...before.map((member) => ({ type: T.groupMemberRemoved, member })), { type: T.groupDeleted }];
  }
  const after = currentMembers(change.resource);
  const beforeIds = new Set(before.map((m) => m.id));
  const afterIds = new Set(after.map((m) => m.id));
  const added = after.filter((m) => !beforeIds.has(m.id)).map((member): EventDraft => ({ type: T.groupMemberAdded, member }));
  const removed = before.filter((m) => !afterIds.has(m.id)).map((member): EventDraft => ({ type: T.groupMemberRemoved, member }));
  if (change.operation === 'create') return [{ type: T.groupCreated }, ...added];
  const otherAttributesChanged = change.changedAttributes.some((a) => a.toLowerCase() !== 'members');
  const membersChanged = added.length + removed.length > 0;
  const updated: EventDraft[] = otherAttributesChanged || !membersChanged ? [{ type: T.groupUpdated }] : [];
  return [...updated, ...added, ...removed];
}

/** The public events one change yields, in publishing order. */
export function deriveIdentityEvents(change: ScimChangeRecord): DerivedIdentityEvent[] {
  const drafts = change.resourceType === 'User' ? userEvents(change) : groupEvents(change);
  const several = drafts.length > 1;
  const resource = withoutSecrets(change.resource);
  const groupOfMemberEvent = withoutMembers(resource);
  return drafts.map((draft, index) => ({
    id: `${change.changeId}:${index}`,
    source: identityEventSource(change.tenantId),
    type: draft.type,
    subject: change.resourceId,
    time: change.occurredAt,
    key: identityEventKey(change.tenantId, change.resourceId),
    extensions: {
      sequence: identityEventSequence(change.version, several ? index : undefined),
      tenantid: change.tenantId,
      actor: `${change.actor.type}:${change.actor.id}`,
      changeid: change.changeId,
    },
    data: {
      tenantId: change.tenantId,
      resourceType: change.resourceType,
      resourceId: change.resourceId,
      version: change.version,
      actor: { type: change.actor.type, id: change.actor.id },
      changedAttributes: draft.member || change.operation === 'delete' || change.operation === 'resync' ? [] : [...change.changedAttributes],
      resource: draft.member ? groupOfMemberEvent : resource,
      ...(draft.member ? { member: { ...draft.member } } : {}),
    },
  }));
}

/** One record for a log-compacted current-state topic: the resource, or null (tombstone) on delete. */
export interface CurrentStateRecord {
  kind: ScimResourceKind;
  key: string;
  value: Record<string, unknown> | null;
}

export function deriveCurrentState(change: ScimChangeRecord): CurrentStateRecord {
  return {
    kind: change.resourceType,
    key: identityEventKey(change.tenantId, change.resourceId),
    value: change.operation === 'delete' ? null : withoutSecrets(change.resource),
  };
}
