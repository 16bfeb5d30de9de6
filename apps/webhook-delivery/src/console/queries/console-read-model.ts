import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SYSTEM_CHAIN_ID } from '@idsync/audit';

/** A tenant as the overview shows it: its name (when scim-gateway's table is in this database) and webhook figures. */
export interface TenantOverview {
  tenantId: string;
  name: string | null;
  subscriptions: number;
  failingSubscriptions: number;
  disabledSubscriptions: number;
  /** Deliveries created in the last 24 hours, by status. */
  delivered24h: number;
  failed24h: number;
  pending: number;
}

/** Attempt figures of one subscription over the deliveries of the last 24 hours. */
export interface SubscriptionActivity {
  subscriptionId: string;
  attempts: number;
  succeeded: number;
  lastAttemptAt: string | null;
}

/** One minute of the last hour (UTC). */
export interface MinuteFigures {
  minute: string;
  attemptsSucceeded: number;
  attemptsFailed: number;
  /** Event time (or arrival here) → successful attempt finished, in ms; null without deliveries that minute. */
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
}

/** The audit hash chains at a glance (from their heads and checkpoints; nothing is recomputed). */
export interface AuditChainHeads {
  chains: number;
  /** Sum of the chain heads' seq: records ever appended (retention may have removed old ones). */
  recordsAppended: number;
  latestCheckpoint: { tenantId: string | null; seq: number; createdAt: string; reason: string; signed: boolean } | null;
}

/**
 * The console's own read queries over webhook-delivery's tables. Each one is scoped by tenant,
 * except the tenants overview, which is the operator's cross-tenant entry point (and only counts).
 * Windows start from `webhook_deliveries (tenant_id, created_at)` so they use its index.
 */
@Injectable()
export class ConsoleReadModel {
  constructor(private readonly db: DataSource) {}

  async tenants(): Promise<TenantOverview[]> {
    // scim-gateway's `tenants` table gives names when both apps share the database (the default);
    // a separate database still lists every tenant that has subscriptions or deliveries.
    const [{ present }]: Array<{ present: boolean }> = await this.db.query(`SELECT to_regclass('tenants') IS NOT NULL AS present`);
    const named = present ? 'UNION SELECT id FROM tenants' : '';
    const names = present ? 'LEFT JOIN tenants t ON t.id = ids.tenant_id' : '';
    const rows: Array<{ tenant_id: string; name: string | null; subscriptions: number; failing: number; disabled: number; delivered: number; failed: number; pending: number }> = await this.db.query(
      `WITH ids AS (SELECT DISTINCT tenant_id FROM webhook_subscriptions ${named}),
            subs AS (SELECT tenant_id, count(*)::int AS subscriptions,
                            count(*) FILTER (WHERE enabled AND failing_since IS NOT NULL)::int AS failing,
                            count(*) FILTER (WHERE NOT enabled)::int AS disabled
                     FROM webhook_subscriptions GROUP BY tenant_id),
            recent AS (SELECT tenant_id, count(*) FILTER (WHERE status = 'delivered')::int AS delivered,
                              count(*) FILTER (WHERE status = 'failed')::int AS failed
                       FROM webhook_deliveries WHERE created_at >= now() - interval '24 hours' GROUP BY tenant_id),
            waiting AS (SELECT tenant_id, count(*)::int AS pending FROM webhook_deliveries WHERE status = 'pending' GROUP BY tenant_id)
       SELECT ids.tenant_id, ${present ? 't.name' : 'NULL::text AS name'},
              coalesce(subs.subscriptions, 0) AS subscriptions, coalesce(subs.failing, 0) AS failing, coalesce(subs.disabled, 0) AS disabled,
              coalesce(recent.delivered, 0) AS delivered, coalesce(recent.failed, 0) AS failed, coalesce(waiting.pending, 0) AS pending
       FROM ids ${names}
       LEFT JOIN subs ON subs.tenant_id = ids.tenant_id
       LEFT JOIN recent ON recent.tenant_id = ids.tenant_id
       LEFT JOIN waiting ON waiting.tenant_id = ids.tenant_id
       ORDER BY ${present ? 'lower(t.name) NULLS LAST,' : ''} ids.tenant_id
       LIMIT 1000`,
    );
    return rows.map((r) => ({
      tenantId: r.tenant_id,
      name: r.name,
      subscriptions: r.subscriptions,
      failingSubscriptions: r.failing,
      disabledSubscriptions: r.disabled,
      delivered24h: r.delivered,
      failed24h: r.failed,
      pending: r.pending,
    }));
  }

  /** The tenant's display name, if scim-gateway's table is here and has it. */
  async tenantName(tenantId: string): Promise<string | null> {
    const [{ present }]: Array<{ present: boolean }> = await this.db.query(`SELECT to_regclass('tenants') IS NOT NULL AS present`);
    if (!present) return null;
    const rows: Array<{ name: string }> = await this.db.query('SELECT name FROM tenants WHERE id = $1', [tenantId]);
    return rows[0]?.name ?? null;
  }

  async subscriptionActivity(tenantId: string): Promise<SubscriptionActivity[]> {
    const rows: Array<{ subscription_id: string; attempts: number; succeeded: number; last_attempt_at: Date | null }> = await this.db.query(
      `SELECT d.subscription_id, count(a.id)::int AS attempts,
              count(a.id) FILTER (WHERE a.status_code BETWEEN 200 AND 299)::int AS succeeded,
              max(a.started_at) AS last_attempt_at
       FROM webhook_deliveries d JOIN webhook_delivery_attempts a ON a.delivery_id = d.id AND a.tenant_id = d.tenant_id
       WHERE d.tenant_id = $1 AND d.created_at >= now() - interval '24 hours'
       GROUP BY d.subscription_id`,
      [tenantId],
    );
    return rows.map((r) => ({ subscriptionId: r.subscription_id, attempts: r.attempts, succeeded: r.succeeded, lastAttemptAt: r.last_attempt_at?.toISOString() ?? null }));
  }

  /**
   * The last 60 whole minutes plus the current one, for deliveries created in the last hour:
   * attempts by outcome, and pipeline latency — from the event's CloudEvent `time` (when
   * sync-worker published it; arrival here when absent) to the end of the successful attempt.
   */
  async lastHour(tenantId: string): Promise<MinuteFigures[]> {
    const rows: Array<{ minute: Date; succeeded: number; failed: number; p50: number | null; p95: number | null }> = await this.db.query(
      `WITH minutes AS (
         SELECT generate_series(date_trunc('minute', now()) - interval '59 minutes', date_trunc('minute', now()), interval '1 minute') AS minute
       ), recent AS (
         SELECT d.id, d.created_at,
                CASE WHEN d.payload::jsonb->>'time' ~ '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$'
                     THEN (d.payload::jsonb->>'time')::timestamptz END AS event_time
         FROM webhook_deliveries d
         WHERE d.tenant_id = $1 AND d.created_at >= date_trunc('minute', now()) - interval '59 minutes'
       ), attempts AS (
         SELECT date_trunc('minute', a.started_at) AS minute, a.status_code BETWEEN 200 AND 299 AS ok,
                extract(epoch FROM (a.started_at + a.duration_ms * interval '1 millisecond') - coalesce(r.event_time, r.created_at)) * 1000 AS latency_ms
         FROM recent r JOIN webhook_delivery_attempts a ON a.delivery_id = r.id AND a.tenant_id = $1
       )
       SELECT m.minute,
              count(a.minute) FILTER (WHERE a.ok)::int AS succeeded,
              count(a.minute) FILTER (WHERE a.ok IS NOT TRUE AND a.minute IS NOT NULL)::int AS failed,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY a.latency_ms) FILTER (WHERE a.ok) AS p50,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY a.latency_ms) FILTER (WHERE a.ok) AS p95
       FROM minutes m LEFT JOIN attempts a ON a.minute = m.minute
       GROUP BY m.minute ORDER BY m.minute`,
      [tenantId],
    );
    return rows.map((r) => ({
      minute: r.minute.toISOString(),
      attemptsSucceeded: r.succeeded,
      attemptsFailed: r.failed,
      latencyP50Ms: r.p50 === null ? null : Math.max(0, Math.round(Number(r.p50))),
      latencyP95Ms: r.p95 === null ? null : Math.max(0, Math.round(Number(r.p95))),
    }));
  }

  /** Undefined when the audit chain tables are not in this database. */
  async auditChainHeads(): Promise<AuditChainHeads | undefined> {
    const [{ present }]: Array<{ present: boolean }> = await this.db.query(`SELECT to_regclass('audit_chain_heads') IS NOT NULL AND to_regclass('audit_checkpoints') IS NOT NULL AS present`);
    if (!present) return undefined;
    const [heads]: Array<{ chains: number; appended: string | null }> = await this.db.query('SELECT count(*)::int AS chains, sum(seq)::text AS appended FROM audit_chain_heads');
    const checkpoints: Array<{ chain_id: string; seq: string; created_at: Date; reason: string; signed: boolean }> = await this.db.query(
      'SELECT chain_id, seq::text AS seq, created_at, reason, signature IS NOT NULL AS signed FROM audit_checkpoints ORDER BY created_at DESC, id DESC LIMIT 1',
    );
    const c = checkpoints[0];
    return {
      chains: heads.chains,
      recordsAppended: Number(heads.appended ?? 0),
      latestCheckpoint: c
        ? { tenantId: c.chain_id === SYSTEM_CHAIN_ID ? null : c.chain_id, seq: Number(c.seq), createdAt: c.created_at.toISOString(), reason: c.reason, signed: c.signed }
        : null,
    };
  }
}
