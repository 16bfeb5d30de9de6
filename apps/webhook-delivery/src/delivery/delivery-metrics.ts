import { Counter, Histogram } from 'prom-client';

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

export const attemptDuration = new Histogram({
  name: 'idsync_webhook_attempt_duration_seconds',
  help: 'Duration of webhook HTTP attempts',
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
});
