import type { ScimResourceKind } from '@idsync/contracts';

/**
 * Kinds of drift between the system of record (the gateway's scim_resources) and what left it:
 * - `missing-in-topic`: the resource exists but its compacted topic has no value for it;
 * - `stale-in-topic`: the topic holds another version than the database;
 * - `deleted-in-db`: the topic still holds a value for a resource the database no longer has;
 * - `undelivered`: the latest delivery of a resource to an enabled webhook subscription failed
 *   (retries exhausted) — the receiver does not have the latest state.
 */
export type DriftKind = 'missing-in-topic' | 'stale-in-topic' | 'deleted-in-db' | 'undelivered';

export const DRIFT_KINDS: readonly DriftKind[] = ['missing-in-topic', 'stale-in-topic', 'deleted-in-db', 'undelivered'];

export interface Drift {
  kind: DriftKind;
  resourceType: ScimResourceKind;
  resourceId: string;
  /** Version in scim_resources (null: no row). */
  databaseVersion: number | null;
  /** Version the compacted topic holds (null: no value, or a tombstone). */
  topicVersion: number | null;
  /** For `undelivered`: the subscription and its failed delivery. */
  subscriptionId?: string;
  deliveryId?: string;
  eventType?: string;
}

/** Delivery backlog of one subscription: what is in flight, retrying, or dead. */
export interface SubscriptionDeliveryHealth {
  subscriptionId: string;
  enabled: boolean;
  pending: number;
  /** Pending deliveries that already failed at least one attempt (waiting for a retry). */
  retrying: number;
  /** Deliveries that exhausted their retries (dead). */
  failed: number;
  delivered: number;
  oldestPendingAt: string | null;
}

export interface RepairSummary {
  /** Resources re-stated through the outbox (a `resync` change; missing/stale). */
  resynced: number;
  /** Deletes re-emitted through the outbox (deleted-in-db). */
  deletesReemitted: number;
  /** Failed deliveries put back on a fresh retry schedule (undelivered). */
  deliveriesRequeued: number;
  /** Drift left unrepaired, with the reason (e.g. no recorded representation). */
  skipped: Array<{ resourceId: string; kind: DriftKind; reason: string }>;
}

export interface ReconciliationReport {
  tenantId: string;
  checkedAt: string;
  database: { users: number; groups: number };
  topics: { users: number; groups: number };
  /** Resources whose latest change is still on its way (unpublished, or published within the settle window): not drift. */
  inFlight: number;
  drift: Drift[];
  driftByKind: Record<DriftKind, number>;
  deliveries: SubscriptionDeliveryHealth[];
  /** Present when run with repair. */
  repair?: RepairSummary;
}
