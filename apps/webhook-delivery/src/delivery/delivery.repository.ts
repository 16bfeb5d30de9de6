import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { GroupCommit } from '@idsync/platform';
import type { PendingDeliveryStats } from './delivery-metrics';
import { sqlRows } from './sql-rows';
import type { AttemptResult, DeliveryOutcome } from '../domain/delivery-outcome';
import type { IdentityEvent } from '../domain/identity-cloud-event';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface Delivery {
  id: string;
  tenantId: string;
  subscriptionId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attemptCount: number;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  completedAt: string | null;
}

export interface DeliveryAttempt {
  attemptNumber: number;
  startedAt: string;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  responseBody: string | null;
}

/** A delivery this process has leased for one attempt. */
export interface ClaimedDelivery {
  id: string;
  tenantId: string;
  subscriptionId: string;
  eventType: string;
  payload: string;
  /** Attempts made including this one. */
  attemptNumber: number;
  url: string;
  /** Clear header values of a row not sealed yet (after sealing: names with empty values). */
  customHeaders: Record<string, string>;
  /** The subscription's sealed header values (SigningSecretVault.openHeaders), or null. */
  sealedCustomHeaders: string | null;
  /**
   * The encrypted secrets signing now, newest first (the current one, then any in their grace
   * period), read by the claim statement itself: as fresh as the URL, without a round trip per attempt.
   */
  signingSecrets: Array<{ id: string; ciphertext: string }>;
}

export interface DeliveryFilter {
  subscriptionId?: string;
  status?: DeliveryStatus;
  eventType?: string;
  since?: Date;
  until?: Date;
  limit: number;
}

interface DeliveryRow {
  id: string;
  tenant_id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempt_count: number;
  next_attempt_at: Date;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  completed_at: Date | null;
}

const DELIVERY_COLUMNS = 'id, tenant_id, subscription_id, event_id, event_type, status, attempt_count, next_attempt_at, last_status_code, last_error, created_at, completed_at';

function toDelivery(r: DeliveryRow): Delivery {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    subscriptionId: r.subscription_id,
    eventId: r.event_id,
    eventType: r.event_type,
    status: r.status,
    attemptCount: r.attempt_count,
    nextAttemptAt: r.status === 'pending' ? r.next_attempt_at.toISOString() : null,
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    createdAt: r.created_at.toISOString(),
    completedAt: r.completed_at?.toISOString() ?? null,
  };
}

/** A subscription that gets an event, and the body it gets. */
export interface DeliveryTarget {
  subscriptionId: string;
  payload: string;
}

/** One event and the subscriptions it is delivered to. */
export interface EventDeliveries {
  event: IdentityEvent;
  targets: DeliveryTarget[];
}

/** Keep attempt-log rows small whatever the receiver answers. */
const STORED_RESPONSE_BODY_CHARS = 1_024;
const STORED_ERROR_CHARS = 500;

/** Delivery records, their leases and the attempt log. Every query is scoped by tenant (or by a leased row). */
@Injectable()
export class DeliveryRepository {
  /** One item per fan-out command (one partition's batch); maxBatch bounds the rows of one INSERT. */
  private readonly inserts = new GroupCommit<{ events: readonly EventDeliveries[]; firstAttemptDelayMs: number }, number>((batches) => this.insertMany(batches), { maxBatch: 16 });

  constructor(private readonly db: DataSource) {}

  /**
   * One record per (event, target subscription), each with the exact body that will be signed and
   * sent; a redelivered Kafka record inserts nothing new. The rows go in in the order given, so
   * `seq` ascends with it (per-resource order). Batches fanned out at the same moment (concurrent
   * partitions) share one INSERT (group commit); each batch is stored whole or not at all.
   * Resolves with the records created.
   */
  insertForEvents(events: readonly EventDeliveries[], firstAttemptDelayMs: number): Promise<number> {
    if (!events.some((e) => e.targets.length > 0)) return Promise.resolve(0);
    return this.inserts.submit({ events, firstAttemptDelayMs });
  }

  private async insertMany(batches: Array<{ events: readonly EventDeliveries[]; firstAttemptDelayMs: number }>): Promise<number[]> {
    const rows = batches.flatMap((b, index) => b.events.flatMap(({ event, targets }) => targets.map((t) => ({ index, event, delayMs: b.firstAttemptDelayMs, ...t }))));
    const inserted: Array<{ subscription_id: string; event_id: string }> = await this.db.query(
      `INSERT INTO webhook_deliveries (id, tenant_id, subscription_id, event_id, event_type, subject_key, payload, next_attempt_at)
       SELECT t.id, t.tenant_id, t.subscription_id, t.event_id, t.event_type, t.subject_key, t.payload, now() + make_interval(secs => t.delay_ms / 1000)
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::float8[])
         AS t(id, tenant_id, subscription_id, event_id, event_type, subject_key, payload, delay_ms)
       ON CONFLICT (subscription_id, event_id) DO NOTHING RETURNING subscription_id, event_id`,
      [
        rows.map(() => randomUUID()), rows.map((r) => r.event.tenantId), rows.map((r) => r.subscriptionId), rows.map((r) => r.event.cloudEvent.id),
        rows.map((r) => r.event.cloudEvent.type), rows.map((r) => r.event.subjectKey), rows.map((r) => r.payload), rows.map((r) => r.delayMs),
      ],
    );
    const indexOf = new Map(rows.map((r) => [`${r.subscriptionId.toLowerCase()}/${r.event.cloudEvent.id}`, r.index]));
    const counts = batches.map(() => 0);
    for (const r of inserted) {
      const i = indexOf.get(`${r.subscription_id}/${r.event_id}`);
      if (i !== undefined) counts[i]++;
    }
    return counts;
  }

  /**
   * Leases up to `limit` due deliveries for one attempt each, committed before any HTTP request.
   * Subscription rows are locked (NO KEY UPDATE, SKIP LOCKED) while claiming, so replicas claim
   * for one endpoint one at a time and its in-flight count (unexpired leases) never exceeds
   * max_concurrency; the delivery rows themselves are also taken with SKIP LOCKED. attempt_count
   * is incremented in the claim: a lease is one attempt, never sent twice. With ordered delivery,
   * only the oldest pending delivery of each resource is eligible; with a rate limit, at most the
   * whole tokens of the endpoint's bucket are claimed and spent. Each claimed delivery comes with
   * its endpoint's current signing secrets (encrypted), so an attempt needs no query of its own.
   *
   * Two statements in one transaction: the first locks the endpoints, the second counts and claims.
   * In one statement, a claimer that got an endpoint's lock right after another replica committed
   * its claim would still count in-flight leases with its statement's older snapshot and could
   * exceed max_concurrency; READ COMMITTED gives the second statement a snapshot that sees them.
   */
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    return this.db.transaction(async (tx) => {
      const locked: Array<{ id: string }> = sqlRows(await tx.query(
        `SELECT s.id FROM webhook_subscriptions s
         WHERE s.enabled AND EXISTS (SELECT 1 FROM webhook_deliveries d
                                     WHERE d.subscription_id = s.id AND d.status = 'pending' AND d.next_attempt_at <= now())
         ORDER BY s.id
         -- NO KEY UPDATE: excludes other claimers, but not the FK checks of concurrent fan-out inserts.
         FOR NO KEY UPDATE OF s SKIP LOCKED`,
      ));
      if (locked.length === 0) return [];
      return this.claimLocked(tx, locked.map((r) => r.id), limit, leaseMs);
    });
  }

  private async claimLocked(tx: EntityManager, subscriptionIds: string[], limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const rows: Array<{ id: string; tenant_id: string; subscription_id: string; event_type: string; payload: string; attempt_count: number; url: string; custom_headers: Record<string, string>; custom_headers_ciphertext: string | null; secret_ids: string[] | null; secret_ciphertexts: string[] | null }> =
      sqlRows(await tx.query(
        `WITH subs AS (
           SELECT s.id, s.ordered_delivery, b.tokens,
                  least(
                    s.max_concurrency - (SELECT count(*) FROM webhook_deliveries i
                                         WHERE i.subscription_id = s.id AND i.status = 'pending' AND i.locked_until > now())::int,
                    coalesce(floor(b.tokens)::int, 2147483647)
                  ) AS free
           FROM webhook_subscriptions s
           -- Token bucket of the rate limit, refilled since rate_refilled_at, holding at most one second's worth.
           CROSS JOIN LATERAL (SELECT CASE WHEN s.rate_limit_per_second IS NULL THEN NULL
                                           ELSE least(s.rate_limit_per_second::float8,
                                                      s.rate_tokens + extract(epoch FROM now() - s.rate_refilled_at) * s.rate_limit_per_second)
                                      END AS tokens) b
           -- Locked by this transaction's first statement.
           WHERE s.id = ANY($3::uuid[]) AND s.enabled
         ), picked AS (
           SELECT p.id, subs.id AS subscription_id FROM subs CROSS JOIN LATERAL (
             SELECT d.id FROM webhook_deliveries d
             WHERE d.subscription_id = subs.id AND d.status = 'pending' AND d.next_attempt_at <= now()
               AND (d.locked_until IS NULL OR d.locked_until <= now())
               AND (NOT subs.ordered_delivery OR NOT EXISTS (
                     SELECT 1 FROM webhook_deliveries e
                     WHERE e.subscription_id = d.subscription_id AND e.subject_key = d.subject_key AND e.status = 'pending' AND e.seq < d.seq))
             ORDER BY d.next_attempt_at, d.seq
             LIMIT greatest(subs.free, 0)
             FOR UPDATE SKIP LOCKED
           ) p
           LIMIT $1
         ), secrets AS (
           SELECT w.subscription_id, array_agg(w.id::text ORDER BY w.created_at DESC, w.id) AS ids,
                  array_agg(w.secret_ciphertext ORDER BY w.created_at DESC, w.id) AS ciphertexts
           FROM webhook_secrets w JOIN webhook_subscriptions s ON s.id = w.subscription_id AND s.tenant_id = w.tenant_id
           WHERE w.subscription_id IN (SELECT DISTINCT subscription_id FROM picked) AND (w.expires_at IS NULL OR w.expires_at > now())
           GROUP BY w.subscription_id
         ), spent AS (
           UPDATE webhook_subscriptions s SET rate_tokens = subs.tokens - c.claimed, rate_refilled_at = now()
           FROM subs JOIN (SELECT subscription_id, count(*)::int AS claimed FROM picked GROUP BY subscription_id) c ON c.subscription_id = subs.id
           WHERE s.id = subs.id AND subs.tokens IS NOT NULL
         )
         UPDATE webhook_deliveries d
         SET locked_until = now() + make_interval(secs => $2::double precision / 1000), attempt_count = d.attempt_count + 1, updated_at = now()
         FROM picked, webhook_subscriptions s LEFT JOIN secrets k ON k.subscription_id = s.id
         WHERE d.id = picked.id AND s.id = d.subscription_id
         RETURNING d.id, d.tenant_id, d.subscription_id, d.event_type, d.payload, d.attempt_count, s.url, s.custom_headers, s.custom_headers_ciphertext,
                   k.ids AS secret_ids, k.ciphertexts AS secret_ciphertexts`,
        [limit, leaseMs, subscriptionIds],
      ));
    // Rows of one endpoint share its secrets: one array per subscription, not per delivery.
    const secretsBySubscription = new Map<string, Array<{ id: string; ciphertext: string }>>();
    const secretsOf = (r: (typeof rows)[number]) => {
      let secrets = secretsBySubscription.get(r.subscription_id);
      if (!secrets) {
        const ciphertexts = r.secret_ciphertexts ?? [];
        secrets = (r.secret_ids ?? []).map((id, i) => ({ id, ciphertext: ciphertexts[i] }));
        secretsBySubscription.set(r.subscription_id, secrets);
      }
      return secrets;
    };
    return rows.map((r) => ({
      id: r.id,
      tenantId: r.tenant_id,
      subscriptionId: r.subscription_id,
      eventType: r.event_type,
      payload: r.payload,
      attemptNumber: r.attempt_count,
      url: r.url,
      customHeaders: r.custom_headers,
      sealedCustomHeaders: r.custom_headers_ciphertext,
      signingSecrets: secretsOf(r),
    }));
  }

  /**
   * Logs the attempts and applies their outcomes, releasing the leases, in one statement for a
   * whole batch. The `attempt_count` guard makes a stale attempt (its lease expired and another
   * replica moved on) change nothing; returns the ids of the deliveries that were updated.
   */
  async recordAttempts(tx: EntityManager, attempts: Array<{ claimed: ClaimedDelivery; result: AttemptResult; outcome: DeliveryOutcome }>): Promise<Set<string>> {
    const rows = attempts.map(({ claimed, result, outcome }) => ({
      claimed,
      result,
      status: (outcome.kind === 'delivered' ? 'delivered' : outcome.kind === 'retry' ? 'pending' : 'failed') as DeliveryStatus,
      error: result.error?.slice(0, STORED_ERROR_CHARS) ?? (outcome.kind === 'delivered' ? null : `HTTP ${result.statusCode}`),
      delayMs: outcome.kind === 'retry' ? outcome.delayMs : 0,
    }));
    // One statement: the outcomes, and the attempt log rows of the deliveries it updated.
    const updated: Array<{ id: string }> = sqlRows(await tx.query(
      `WITH u AS (
         SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::int[], $5::text[], $6::float8[], $7::uuid[], $8::timestamptz[], $9::int[], $10::text[], $11::text[])
           AS u(id, attempt_count, status, status_code, error, delay_ms, tenant_id, started_at, duration_ms, attempt_error, response_body)
       ), updated AS (
         UPDATE webhook_deliveries d SET status = u.status, locked_until = NULL, last_status_code = u.status_code, last_error = u.error, updated_at = now(),
           next_attempt_at = CASE WHEN u.status = 'pending' THEN now() + make_interval(secs => u.delay_ms / 1000) ELSE d.next_attempt_at END,
           completed_at = CASE WHEN u.status = 'pending' THEN NULL ELSE now() END
         FROM u
         WHERE d.id = u.id AND d.attempt_count = u.attempt_count AND d.status = 'pending' RETURNING d.id
       ), logged AS (
         INSERT INTO webhook_delivery_attempts (tenant_id, delivery_id, attempt_number, started_at, duration_ms, status_code, error, response_body)
         SELECT u.tenant_id, u.id, u.attempt_count, u.started_at, u.duration_ms, u.status_code, u.attempt_error, u.response_body FROM u JOIN updated ON updated.id = u.id
       )
       SELECT id FROM updated`,
      [
        rows.map((r) => r.claimed.id), rows.map((r) => r.claimed.attemptNumber), rows.map((r) => r.status), rows.map((r) => r.result.statusCode ?? null), rows.map((r) => r.error),
        rows.map((r) => r.delayMs), rows.map((r) => r.claimed.tenantId), rows.map((r) => r.result.startedAt), rows.map((r) => r.result.durationMs),
        rows.map((r) => r.result.error?.slice(0, STORED_ERROR_CHARS) ?? null), rows.map((r) => r.result.responseBody?.slice(0, STORED_RESPONSE_BODY_CHARS) ?? null),
      ],
    ));
    const applied = new Set(updated.map((r) => r.id));
    return applied;
  }

  /** Operator metrics across tenants (labelled by subscription id only). */
  async pendingBySubscription(): Promise<PendingDeliveryStats[]> {
    const rows: Array<{ subscription_id: string; pending: number; oldest: number }> = await this.db.query(
      `SELECT subscription_id, count(*)::int AS pending, extract(epoch FROM now() - min(created_at))::float8 AS oldest
       FROM webhook_deliveries WHERE status = 'pending' GROUP BY subscription_id`,
    );
    return rows.map((r) => ({ subscriptionId: r.subscription_id, pending: r.pending, oldestPendingSeconds: r.oldest }));
  }

  async find(tenantId: string, id: string): Promise<Delivery | undefined> {
    const rows: DeliveryRow[] = await this.db.query(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
    return rows[0] ? toDelivery(rows[0]) : undefined;
  }

  async list(tenantId: string, filter: DeliveryFilter): Promise<Delivery[]> {
    const rows: DeliveryRow[] = await this.db.query(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
       WHERE tenant_id = $1
         AND ($2::uuid IS NULL OR subscription_id = $2)
         AND ($3::text IS NULL OR status = $3)
         AND ($4::text IS NULL OR event_type = $4)
         AND ($5::timestamptz IS NULL OR created_at >= $5)
         AND ($6::timestamptz IS NULL OR created_at < $6)
       ORDER BY created_at DESC, seq DESC LIMIT $7`,
      [tenantId, filter.subscriptionId ?? null, filter.status ?? null, filter.eventType ?? null, filter.since ?? null, filter.until ?? null, filter.limit],
    );
    return rows.map(toDelivery);
  }

  async attempts(tenantId: string, deliveryId: string): Promise<DeliveryAttempt[]> {
    const rows: Array<{ attempt_number: number; started_at: Date; duration_ms: number; status_code: number | null; error: string | null; response_body: string | null }> =
      await this.db.query(
        `SELECT attempt_number, started_at, duration_ms, status_code, error, response_body FROM webhook_delivery_attempts
         WHERE tenant_id = $1 AND delivery_id = $2 ORDER BY id`,
        [tenantId, deliveryId],
      );
    return rows.map((r) => ({ attemptNumber: r.attempt_number, startedAt: r.started_at.toISOString(), durationMs: r.duration_ms, statusCode: r.status_code, error: r.error, responseBody: r.response_body }));
  }

  /**
   * Puts finished deliveries back on a fresh schedule (attempts restart at 1; the attempt log
   * keeps the earlier ones). Pending deliveries are left alone. Returns the ids requeued.
   */
  async requeue(tenantId: string, where: { deliveryId: string } | { subscriptionId: string; failedSince: Date }): Promise<string[]> {
    const [condition, param] =
      'deliveryId' in where
        ? ["id = $2 AND status IN ('failed', 'delivered')", where.deliveryId]
        : ["subscription_id = $2 AND status = 'failed' AND created_at >= $3", where.subscriptionId];
    const params: unknown[] = 'deliveryId' in where ? [tenantId, param] : [tenantId, param, where.failedSince];
    const rows: Array<{ id: string }> = sqlRows(await this.db.query(
      `UPDATE webhook_deliveries SET status = 'pending', attempt_count = 0, next_attempt_at = now(), locked_until = NULL,
         completed_at = NULL, updated_at = now()
       WHERE tenant_id = $1 AND ${condition} RETURNING id`,
      params,
    ));
    return rows.map((r) => r.id);
  }
}
