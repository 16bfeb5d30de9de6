import { Counter, Gauge, Histogram } from 'prom-client';

// Module-level: prom-client's registry is process-wide, and tests start the app more than once.
export const deliveryAttempts = new Counter({
  name: 'idsync_webhook_attempts_total',
  help: 'Webhook delivery attempts by outcome (delivered, retry, failed, endpoint-gone, stale)',
  labelNames: ['outcome'],
});

export const deliveriesCreated = new Counter({
  name: 'idsync_webhook_deliveries_created_total',
  help: 'Delivery records created by fan-out of public identity events to subscriptions',
});

export const subscriptionsDisabled = new Counter({
  name: 'idsync_webhook_subscriptions_disabled_total',
  help: 'Subscriptions disabled by webhook-delivery, by reason (gone = 410, failing = failing continuously)',
  labelNames: ['reason'],
});

export const attemptDuration = new Histogram({
  name: 'idsync_webhook_attempt_duration_seconds',
  help: 'Duration of webhook HTTP attempts',
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
});

export interface PendingDeliveryStats {
  subscriptionId: string;
  pending: number;
  oldestPendingSeconds: number;
}

/** Set by the running app (the gauges are process-wide; the database is the app's). */
let pendingStatsSource: (() => Promise<PendingDeliveryStats[]>) | undefined;

export function setPendingDeliveryStatsSource(source: (() => Promise<PendingDeliveryStats[]>) | undefined): void {
  pendingStatsSource = source;
}

/** undefined when the database does not answer: a scrape must not fail (500) because of it; the gauges keep their last values. */
async function pendingStats(): Promise<PendingDeliveryStats[] | undefined> {
  try {
    return (await pendingStatsSource?.()) ?? [];
  } catch {
    return undefined;
  }
}

export const pendingDeliveries = new Gauge({
  name: 'idsync_webhook_pending_deliveries',
  help: 'Deliveries waiting for an attempt or a retry, per subscription (queue depth per endpoint)',
  labelNames: ['subscription'],
  async collect() {
    const stats = await pendingStats();
    if (!stats) return;
    this.reset();
    for (const s of stats) this.set({ subscription: s.subscriptionId }, s.pending);
  },
});

export const oldestPendingAge = new Gauge({
  name: 'idsync_webhook_oldest_pending_seconds',
  help: 'Age of the oldest pending delivery per subscription',
  labelNames: ['subscription'],
  async collect() {
    const stats = await pendingStats();
    if (!stats) return;
    this.reset();
    for (const s of stats) this.set({ subscription: s.subscriptionId }, s.oldestPendingSeconds);
  },
});
