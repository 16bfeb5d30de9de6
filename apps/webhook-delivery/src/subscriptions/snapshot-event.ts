import { createHash } from 'node:crypto';
import { IDENTITY_EVENT_TYPES, identityEventSequence, identityEventSource, type ScimResourceKind } from '@idsync/contracts';
import type { StructuredCloudEvent } from '../domain/identity-cloud-event';

/** Who a re-sync's events name as their actor. */
export const RESYNC_ACTOR = { type: 'system', id: 'resync' } as const;

export function snapshotEventType(kind: ScimResourceKind): string {
  return kind === 'User' ? IDENTITY_EVENT_TYPES.userSnapshot : IDENTITY_EVENT_TYPES.groupSnapshot;
}

/** The CloudEvent id of a resource's snapshot at one version: the same for every subscription and every re-sync. */
export function snapshotEventId(resourceId: string, version: number): string {
  return `snapshot:${resourceId}:${version}`;
}

/**
 * The delivery id (and so the `webhook-id`, `msg_<id>`) of one snapshot for one subscription: a
 * UUID derived from (subscription, resource, version), so repeating a re-sync — or resuming one
 * that stopped half-way — never makes a second message a receiver would not de-duplicate.
 */
export function snapshotDeliveryId(subscriptionId: string, resourceKey: string, version: number): string {
  const hex = createHash('sha256').update(`${subscriptionId}\n${resourceKey}\n${version}`).digest('hex');
  // RFC 9562 layout: version 8 (custom), variant 10.
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * A resource's current state (a compacted-topic value) as an `idsync.<kind>.snapshot` event in
 * structured form — the same shape as every webhook body, so resource filters and attribute
 * mappings apply unchanged. `sequence` is the version it shows: a receiver holding that version
 * (or a later one) already has it.
 */
export function snapshotEvent(tenantId: string, kind: ScimResourceKind, resourceId: string, version: number, resource: Record<string, unknown>): StructuredCloudEvent {
  const meta = typeof resource.meta === 'object' && resource.meta !== null ? (resource.meta as { lastModified?: unknown }) : {};
  return {
    specversion: '1.0',
    id: snapshotEventId(resourceId, version),
    type: snapshotEventType(kind),
    source: identityEventSource(tenantId),
    subject: resourceId,
    ...(typeof meta.lastModified === 'string' ? { time: meta.lastModified } : {}),
    sequence: identityEventSequence(version),
    tenantid: tenantId,
    actor: `${RESYNC_ACTOR.type}:${RESYNC_ACTOR.id}`,
    datacontenttype: 'application/json',
    data: {
      tenantId,
      resourceType: kind,
      resourceId,
      version,
      actor: { ...RESYNC_ACTOR },
      changedAttributes: [],
      resource,
    },
  };
}
