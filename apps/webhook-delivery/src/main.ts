import 'reflect-metadata';
import { runIdsyncApp, loadConfig } from '@idsync/platform';
import { WebhookConfig } from './config/webhook.config';
import { webhookOpenApi } from './webhook.openapi';

void runIdsyncApp(async () => (await import('./app.module')).WebhookDeliveryModule, {
  name: 'webhook-delivery',
  clientId: 'idsync-webhook-delivery',
  openApi: webhookOpenApi,
  // A getter, read inside runIdsyncApp's try block: a configuration error then ends in its clear
  // "failed to start" message and exit code 1 instead of an uncaught exception at import time.
  get consumerGroupId() {
    return loadConfig(WebhookConfig).WEBHOOK_GROUP_ID;
  },
  get consumer() {
    return { partitionsConsumedConcurrently: loadConfig(WebhookConfig).WEBHOOK_PARTITIONS_CONCURRENCY };
  },
});
