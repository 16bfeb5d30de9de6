import { createHash } from 'node:crypto';
import { encodeIdentityEvent, type EncodedIdentityEvent } from './identity-event-encoding';
import { identityEventSource } from './identity-event-derivation';
import { identityEventKey } from './identity-events';

/**
 * Okta Event Hooks: what the gateway accepts (`POST /hooks/okta/{tenant}`), the internal record it
 * relays through its outbox to idsync.okta.events.v1 (one per Okta event), and the pure mapping of
 * those records to canonical events on idsync.identity.events.v1 (docs/OKTA.md has the table).
 *
 * Okta events say what happened *in Okta* (a lockout, a password reset, a suspension); SCIM says
 * what state Okta provisioned into the app. The two never share an event type: an Okta-sourced
 * event never impersonates a SCIM state event (`idsync.user.deactivated` keeps meaning "the SCIM
 * resource's `active` went false, at version n"), so every mapped type below is its own.
 */

// ---- the hook delivery (Okta → gateway) -----------------------------------------------------------

/** One entry of `actor` / `target[]` in an Okta System Log event. */
export interface OktaLogEntity {
  id: string;
  type: string;
  alternateId?: string | null;
  displayName?: string | null;
}

/** The fields of an Okta System Log event idsync relies on (the rest is not kept). */
export interface OktaLogEvent {
  uuid: string;
  eventType: string;
  published: string;
  displayMessage?: string | null;
  actor: OktaLogEntity;
  target: OktaLogEntity[];
  outcome?: { result: string; reason?: string | null } | null;
}

export type OktaDeliveryParseResult = { ok: true; events: OktaLogEvent[] } | { ok: false; error: string };

/** Most events one delivery may carry (Okta batches; this bounds one request's work). */
export const OKTA_MAX_EVENTS_PER_DELIVERY = 1_000;

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
// Okta event uuids are RFC 4122 UUIDs; anything else cannot be a dedupe key we trust.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EVENT_TYPE = /^[a-z0-9_.]{1,128}$/i;

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalText(value: unknown): string | null | undefined {
  if (value === undefined || value === null) return value;
  return typeof value === 'string' ? value.slice(0, 1024) : undefined;
}

function entityOf(value: unknown): OktaLogEntity | undefined {
  if (!isObject(value) || typeof value.id !== 'string' || value.id.length === 0 || value.id.length > 256) return undefined;
  if (typeof value.type !== 'string' || value.type.length === 0 || value.type.length > 128) return undefined;
  return {
    id: value.id,
    type: value.type,
    ...(value.alternateId !== undefined ? { alternateId: optionalText(value.alternateId) ?? null } : {}),
    ...(value.displayName !== undefined ? { displayName: optionalText(value.displayName) ?? null } : {}),
  };
}

/** Validates one Okta event; the first problem is the error (`events[i]` names which one). */
export function parseOktaLogEvent(value: unknown, at = 'event'): { ok: true; event: OktaLogEvent } | { ok: false; error: string } {
  const fail = (error: string) => ({ ok: false as const, error: `${at}: ${error}` });
  if (!isObject(value)) return fail('must be an object');
  if (typeof value.uuid !== 'string' || !UUID.test(value.uuid)) return fail('uuid must be a UUID');
  if (typeof value.eventType !== 'string' || !EVENT_TYPE.test(value.eventType)) return fail('eventType must be an Okta event type');
  if (typeof value.published !== 'string' || !ISO_TIMESTAMP.test(value.published) || Number.isNaN(Date.parse(value.published))) {
    return fail('published must be an ISO 8601 timestamp');
  }
  const actor = entityOf(value.actor);
  if (!actor) return fail('actor must be {id, type}');
  const rawTargets = value.target ?? [];
  if (!Array.isArray(rawTargets) || rawTargets.length > 50) return fail('target must be an array (at most 50 entries) or null');
  const target: OktaLogEntity[] = [];
  for (const [i, t] of rawTargets.entries()) {
    const entity = entityOf(t);
    if (!entity) return fail(`target[${i}] must be {id, type}`);
    target.push(entity);
  }
  let outcome: OktaLogEvent['outcome'];
  if (isObject(value.outcome) && typeof value.outcome.result === 'string') {
    outcome = { result: value.outcome.result.slice(0, 64), reason: optionalText(value.outcome.reason) ?? null };
  }
  return {
    ok: true,
    event: {
      uuid: value.uuid.toLowerCase(),
      eventType: value.eventType,
      published: value.published,
      displayMessage: optionalText(value.displayMessage) ?? null,
      actor,
      target,
      ...(outcome ? { outcome } : {}),
    },
  };
}

/**
 * Validates an Event Hook delivery body: `{"eventType": "com.okta.event_hook", "data": {"events": [...]}}`.
 * Every event must be well-formed — a delivery is accepted or refused whole, so a 400 never
 * leaves half of it stored.
 */
export function parseOktaEventHookDelivery(body: unknown): OktaDeliveryParseResult {
  if (!isObject(body)) return { ok: false, error: 'body must be a JSON object' };
  if (body.eventType !== 'com.okta.event_hook') return { ok: false, error: 'eventType must be "com.okta.event_hook"' };
  if (!isObject(body.data) || !Array.isArray(body.data.events)) return { ok: false, error: 'data.events must be an array' };
  if (body.data.events.length > OKTA_MAX_EVENTS_PER_DELIVERY) return { ok: false, error: `data.events has more than ${OKTA_MAX_EVENTS_PER_DELIVERY} events` };
  const events: OktaLogEvent[] = [];
  for (const [i, raw] of body.data.events.entries()) {
    const parsed = parseOktaLogEvent(raw, `data.events[${i}]`);
    if (!parsed.ok) return parsed;
    events.push(parsed.event);
  }
  return { ok: true, events };
}

// ---- the internal record (gateway outbox → idsync.okta.events.v1 → sync-worker) -----------------

/**
 * One accepted Okta event, as the gateway's outbox relays it. Key: `${tenantId}:${oktaUserId}`
 * (see oktaEventKey) so one person's Okta events stay on one partition, in the order accepted.
 */
export interface OktaHookEventRecord {
  /** `okta:<tenantId>:<event uuid>`: stable across Okta retries and relay retries; public ids derive from it. */
  recordId: string;
  tenantId: string;
  receivedAt: string;
  event: OktaLogEvent;
}

export function oktaHookRecordId(tenantId: string, eventUuid: string): string {
  return `okta:${tenantId}:${eventUuid.toLowerCase()}`;
}

/** The Okta user an event is about: its `User` target, else (self-service events) its actor if a User. */
export function oktaUserOf(event: OktaLogEvent): OktaLogEntity | undefined {
  return event.target.find((t) => t.type === 'User') ?? (event.actor.type === 'User' ? event.actor : undefined);
}

/** Kafka key on idsync.okta.events.v1: per person where there is one, else per event. */
export function oktaEventKey(tenantId: string, event: OktaLogEvent): string {
  return `${tenantId}:${oktaUserOf(event)?.id ?? event.uuid}`;
}

export function decodeOktaHookEventRecord(value: Uint8Array | string | null): { ok: true; record: OktaHookEventRecord } | { ok: false; error: string } {
  if (value === null) return { ok: false, error: 'record value is null' };
  let json: unknown;
  try {
    json = JSON.parse(typeof value === 'string' ? value : new TextDecoder('utf-8', { fatal: true }).decode(value));
  } catch (err) {
    return { ok: false, error: `record value is not JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (!isObject(json)) return { ok: false, error: 'Okta hook record must be a JSON object' };
  if (typeof json.tenantId !== 'string' || !UUID.test(json.tenantId)) return { ok: false, error: 'tenantId must be a UUID' };
  if (typeof json.receivedAt !== 'string' || Number.isNaN(Date.parse(json.receivedAt))) return { ok: false, error: 'receivedAt must be a timestamp' };
  const parsed = parseOktaLogEvent(json.event);
  if (!parsed.ok) return parsed;
  const recordId = oktaHookRecordId(json.tenantId, parsed.event.uuid);
  if (json.recordId !== recordId) return { ok: false, error: `recordId must be ${recordId}` };
  return { ok: true, record: { recordId, tenantId: json.tenantId, receivedAt: json.receivedAt, event: parsed.event } };
}

// ---- Okta event type → canonical idsync type -------------------------------------------------------

/** The canonical types Okta events map to. Security-relevant ones are the first five. */
export const OKTA_SOURCED_EVENT_TYPES = {
  userLocked: 'idsync.user.locked',
  userUnlocked: 'idsync.user.unlocked',
  userSuspended: 'idsync.user.suspended',
  userCredentialsChanged: 'idsync.user.credentials.changed',
  userSessionsRevoked: 'idsync.user.sessions.revoked',
  userUnsuspended: 'idsync.user.unsuspended',
  userAccountCreated: 'idsync.user.account.created',
  userAccountActivated: 'idsync.user.account.activated',
  userAccountDeactivated: 'idsync.user.account.deactivated',
  userAccountDeleted: 'idsync.user.account.deleted',
  userProfileUpdated: 'idsync.user.profile.updated',
  userGroupAdded: 'idsync.user.group.added',
  userGroupRemoved: 'idsync.user.group.removed',
  userApplicationAssigned: 'idsync.user.application.assigned',
  userApplicationUnassigned: 'idsync.user.application.unassigned',
} as const;

export type OktaSourcedEventType = (typeof OKTA_SOURCED_EVENT_TYPES)[keyof typeof OKTA_SOURCED_EVENT_TYPES];

interface OktaMappingRule {
  type: OktaSourcedEventType;
  /** The Okta user's full profile is fetched (Okta Management API) and carried in `data.profile`. */
  needsProfile: boolean;
  /** The event changes the Okta user, so a cached profile fetched before it is stale. */
  changesUser: boolean;
  /** The second target the event is about (the group, the app). */
  relatedTargetType?: 'UserGroup' | 'AppInstance';
}

const T = OKTA_SOURCED_EVENT_TYPES;

/** Which Okta event types idsync maps (subscribe the hook to exactly these), and to what. */
export const OKTA_EVENT_MAPPING: Readonly<Record<string, OktaMappingRule>> = {
  'user.lifecycle.create': { type: T.userAccountCreated, needsProfile: true, changesUser: true },
  'user.lifecycle.activate': { type: T.userAccountActivated, needsProfile: true, changesUser: true },
  'user.lifecycle.deactivate': { type: T.userAccountDeactivated, needsProfile: false, changesUser: true },
  'user.lifecycle.suspend': { type: T.userSuspended, needsProfile: false, changesUser: true },
  'user.lifecycle.unsuspend': { type: T.userUnsuspended, needsProfile: true, changesUser: true },
  'user.lifecycle.delete': { type: T.userAccountDeleted, needsProfile: false, changesUser: true },
  'user.account.lock': { type: T.userLocked, needsProfile: false, changesUser: true },
  'user.account.unlock': { type: T.userUnlocked, needsProfile: false, changesUser: true },
  'user.account.update_profile': { type: T.userProfileUpdated, needsProfile: true, changesUser: true },
  'user.account.reset_password': { type: T.userCredentialsChanged, needsProfile: false, changesUser: false },
  'user.account.update_password': { type: T.userCredentialsChanged, needsProfile: false, changesUser: false },
  'user.session.clear': { type: T.userSessionsRevoked, needsProfile: false, changesUser: false },
  'user.session.end': { type: T.userSessionsRevoked, needsProfile: false, changesUser: false },
  'group.user_membership.add': { type: T.userGroupAdded, needsProfile: true, changesUser: false, relatedTargetType: 'UserGroup' },
  'group.user_membership.remove': { type: T.userGroupRemoved, needsProfile: true, changesUser: false, relatedTargetType: 'UserGroup' },
  'application.user_membership.add': { type: T.userApplicationAssigned, needsProfile: true, changesUser: false, relatedTargetType: 'AppInstance' },
  'application.user_membership.remove': { type: T.userApplicationUnassigned, needsProfile: true, changesUser: false, relatedTargetType: 'AppInstance' },
};

export function oktaMappingOf(eventType: string): OktaMappingRule | undefined {
  return Object.prototype.hasOwnProperty.call(OKTA_EVENT_MAPPING, eventType) ? OKTA_EVENT_MAPPING[eventType] : undefined;
}

// ---- the public event (idsync.identity.events.v1) ---------------------------------------------------

/** Okta's own view of the event, carried in every Okta-sourced event's data. */
export interface OktaEventDetails {
  eventId: string;
  eventType: string;
  published: string;
  /** The Okta user id (`00u…`). */
  userId: string;
  /** The user's Okta login, when known (from the event or the fetched profile). */
  login: string | null;
  actor: { id: string; type: string };
  /** The group or app of membership events. */
  target: { id: string; type: string; displayName: string | null } | null;
  outcome: string | null;
}

export interface OktaIdentityEventData {
  tenantId: string;
  resourceType: 'User';
  /** The subject: the linked SCIM User's id, or (not provisioned by SCIM) oktaSubjectId(tenant, Okta user id). */
  resourceId: string;
  /** The SCIM User this person is provisioned as (same as resourceId), or null. */
  scimResourceId: string | null;
  actor: { type: 'okta-hook'; id: string };
  okta: OktaEventDetails;
  /** `status` + `profile` from the Okta Management API, for the types that need them; null when unavailable. */
  oktaUser?: { status: string | null; profile: Record<string, unknown> } | null;
}

export interface DerivedOktaEvent {
  id: string;
  source: string;
  type: OktaSourcedEventType;
  subject: string;
  time: string;
  key: string;
  extensions: { tenantid: string; actor: string; changeid: string };
  data: OktaIdentityEventData;
}

/** What the worker resolved for one record: who the subject is, and the fetched profile if any. */
export interface OktaEventContext {
  subjectId: string;
  scimResourceId: string | null;
  oktaUser?: { status: string | null; profile: Record<string, unknown> } | null;
}

// A fixed namespace, so a person not provisioned by SCIM keeps one subject id in every event.
const OKTA_SUBJECT_NAMESPACE = Buffer.from('6f1b0a42c1d94e0d8b1e7a0c5d3f2e91', 'hex');

/** RFC 4122 version-5 UUID of (tenant, Okta user id): the subject of a person SCIM does not know. */
export function oktaSubjectId(tenantId: string, oktaUserId: string): string {
  const hash = createHash('sha1').update(OKTA_SUBJECT_NAMESPACE).update(`${tenantId}:${oktaUserId}`, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The canonical events one Okta record yields: none for an unmapped type or an event without a
 * user, else exactly one. Pure: the same record and context give the same event, and its id
 * (`<recordId>:0`) derives from the tenant and Okta's event uuid, so an Okta retry or a relay
 * redelivery can only ever produce the identical event.
 */
export function deriveOktaIdentityEvents(record: OktaHookEventRecord, context: OktaEventContext): DerivedOktaEvent[] {
  const rule = oktaMappingOf(record.event.eventType);
  const user = oktaUserOf(record.event);
  if (!rule || !user) return [];
  const related = rule.relatedTargetType ? record.event.target.find((t) => t.type === rule.relatedTargetType) : undefined;
  const profileLogin = context.oktaUser?.profile?.login;
  const actor = { type: 'okta-hook' as const, id: record.event.actor.id };
  return [
    {
      id: `${record.recordId}:0`,
      source: identityEventSource(record.tenantId),
      type: rule.type,
      subject: context.subjectId,
      time: new Date(record.event.published).toISOString(),
      key: identityEventKey(record.tenantId, context.subjectId),
      extensions: { tenantid: record.tenantId, actor: `${actor.type}:${actor.id}`, changeid: record.recordId },
      data: {
        tenantId: record.tenantId,
        resourceType: 'User',
        resourceId: context.subjectId,
        scimResourceId: context.scimResourceId,
        actor,
        okta: {
          eventId: record.event.uuid,
          eventType: record.event.eventType,
          published: record.event.published,
          userId: user.id,
          login: typeof profileLogin === 'string' ? profileLogin : (user.alternateId ?? null),
          actor: { id: record.event.actor.id, type: record.event.actor.type },
          target: related ? { id: related.id, type: related.type, displayName: related.displayName ?? null } : null,
          outcome: record.event.outcome?.result ?? null,
        },
        ...(rule.needsProfile ? { oktaUser: context.oktaUser ?? null } : {}),
      },
    },
  ];
}

/**
 * Binary-mode encoding of an Okta-sourced event: the same envelope as encodeIdentityEvent
 * (`ce_*` headers, JSON data), without `ce_sequence` — these events are not versions of a SCIM
 * resource, so they carry no resource version to order by (docs/EVENTS.md).
 */
export function encodeOktaIdentityEvent(derived: DerivedOktaEvent): EncodedIdentityEvent {
  return encodeIdentityEvent<OktaIdentityEventData>(derived);
}

// ---- secrets at rest ------------------------------------------------------------------------------

/**
 * Encryption contexts (@idsync/crypto) of the Okta secrets, bound to the tenant: a ciphertext
 * copied onto another tenant's row does not decrypt. Shared by the gateway, the CLI and the worker.
 */
export const OKTA_SECRET_CONTEXT = {
  hookSecret: (tenantId: string) => `okta_hook_secret:${tenantId}`,
  apiCredential: (tenantId: string) => `okta_api_credential:${tenantId}`,
} as const;
