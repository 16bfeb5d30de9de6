import { identityEventSequence, identityEventSource } from './identity-event-derivation';
import { identityEventKey } from './identity-events';

/**
 * `idsync.user.erased` (contract 1.2, additive): a data-subject erasure (GDPR Art. 17, CCPA
 * 1798.105) was carried out for one user. It is published on idsync.identity.events.v1 next to the
 * user's ordinary `idsync.user.deleted`, and tells every consumer to purge what it holds about
 * that resource id — copies of earlier events included. It carries no personal data: the subject
 * is named by resource id only. Written to the outbox by `idsync subject erase` in the erasure's
 * own transaction, so it is published once the erasure commits (relative order with the
 * user.deleted that the worker derives from the same erasure is not guaranteed).
 */
export const USER_ERASED_EVENT_TYPE = 'idsync.user.erased';

export interface UserErasedEventData {
  tenantId: string;
  resourceType: 'User';
  resourceId: string;
  /** Unique per erasure; the event id derives from it. */
  erasureId: string;
  erasedAt: string;
  /** Version of the user's deletion record: the event's sequence sorts right after its user.deleted. */
  version: number;
  /** Who ran the erasure, e.g. `cli:<os user>` — never a secret. */
  actor: { type: 'admin'; id: string };
}

/** The outbox/Kafka form: CloudEvents 1.0 binary mode, like every public identity event. */
export function encodeUserErasedEvent(data: UserErasedEventData): { key: string; value: UserErasedEventData; headers: Record<string, string> } {
  return {
    key: identityEventKey(data.tenantId, data.resourceId),
    value: data,
    headers: {
      ce_specversion: '1.0',
      ce_id: `${data.erasureId}:erased`,
      ce_source: identityEventSource(data.tenantId),
      ce_type: USER_ERASED_EVENT_TYPE,
      ce_subject: data.resourceId,
      ce_time: data.erasedAt,
      ce_sequence: identityEventSequence(data.version, 0),
      ce_tenantid: data.tenantId,
      ce_actor: `${data.actor.type}:${data.actor.id}`,
      ce_changeid: data.erasureId,
      'content-type': 'application/json',
    },
  };
}
