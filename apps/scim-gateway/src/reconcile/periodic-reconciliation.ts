import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { createKafkaClient } from '@idsync/platform';
import { DRIFT_KINDS, ReconciliationService, type DriftKind } from '@idsync/reconcile';
import { GatewayConfig } from '../config/gateway.config';

// Module-level: prom-client's registry is process-wide, and tests start the app more than once.
const reconcileRuns = new Counter({
  name: 'idsync_reconcile_runs_total',
  help: 'Periodic reconciliation runs (one per tenant), by outcome (clean, drift, repaired, error)',
  labelNames: ['outcome'],
});
const reconcileDrift = new Gauge({
  name: 'idsync_reconcile_drift',
  help: 'Drift found by the last periodic reconciliation, summed over tenants, by kind',
  labelNames: ['kind'],
});

/** One replica at a time runs the periodic job (transaction-scoped, so a crashed holder frees it). */
const RECONCILE_LOCK_ID = 0x1d5c_0002;

/**
 * RECONCILE_INTERVAL_MINUTES > 0: every interval, reconciles each tenant (ReconciliationService,
 * docs/RELIABILITY.md) and reports drift as metrics and a log line of counts and ids; with
 * RECONCILE_REPAIR it also repairs through the outbox. Off by default. A run holds an advisory
 * lock so replicas do not reconcile the same tenants at once; a failing run is logged and the
 * next interval tries again.
 */
@Injectable()
export class PeriodicReconciliation implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PeriodicReconciliation.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly config: GatewayConfig,
    private readonly db: DataSource,
  ) {}

  onApplicationBootstrap(): void {
    const minutes = this.config.RECONCILE_INTERVAL_MINUTES;
    if (minutes <= 0) return;
    this.timer = setInterval(() => {
      this.running ??= this.runOnce().finally(() => (this.running = undefined));
    }, minutes * 60_000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass over every tenant (also callable directly). */
  async runOnce(): Promise<void> {
    const kafka = createKafkaClient(this.config, 'idsync-gateway-reconcile');
    const service = new ReconciliationService({ db: this.db, kafka, topicPrefix: this.config.KAFKA_TOPIC_PREFIX });
    try {
      await this.db.transaction(async (tx) => {
        const [{ locked }] = (await tx.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [RECONCILE_LOCK_ID])) as Array<{ locked: boolean }>;
        if (!locked) return;
        const tenants = (await tx.query('SELECT id::text FROM tenants ORDER BY created_at')) as Array<{ id: string }>;
        const totals = Object.fromEntries(DRIFT_KINDS.map((k) => [k, 0])) as Record<DriftKind, number>;
        for (const { id } of tenants) {
          try {
            const report = await service.reconcile({ tenantId: id, repair: this.config.RECONCILE_REPAIR, settleSeconds: this.config.RECONCILE_SETTLE_SECONDS });
            for (const k of DRIFT_KINDS) totals[k] += report.driftByKind[k];
            const outcome = report.drift.length === 0 ? 'clean' : report.repair ? 'repaired' : 'drift';
            reconcileRuns.inc({ outcome });
            if (report.drift.length > 0) {
              this.logger.warn({ tenantId: id, driftByKind: report.driftByKind, resourceIds: report.drift.map((d) => d.resourceId).slice(0, 50), repair: report.repair }, 'reconciliation found drift');
            }
          } catch (err) {
            reconcileRuns.inc({ outcome: 'error' });
            this.logger.error({ tenantId: id, err }, 'reconciliation run failed');
          }
        }
        for (const k of DRIFT_KINDS) reconcileDrift.set({ kind: k }, totals[k]);
      });
    } catch (err) {
      this.logger.error({ err }, 'periodic reconciliation failed');
    }
  }
}
