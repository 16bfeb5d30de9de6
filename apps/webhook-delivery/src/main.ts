import 'reflect-metadata';
import { runIdsyncApp } from '@idsync/platform';
import { webhookOpenApi } from './webhook.openapi';

void runIdsyncApp(async () => (await import('./app.module')).WebhookDeliveryModule, {
  name: 'webhook-delivery',
  clientId: 'idsync-webhook-delivery',
  openApi: webhookOpenApi,
  // No consumerGroupId: the app reads the public stream with its own batch consumer
  // (IdentityEventsConsumer, group WEBHOOK_GROUP_ID), not through Nest's Kafka transport.
});
