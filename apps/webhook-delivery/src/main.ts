import 'reflect-metadata';
import { runIdsyncApp, loadConfig } from '@idsync/platform';
import { WebhookConfig } from './config/webhook.config';

void runIdsyncApp(async () => (await import('./app.module')).WebhookDeliveryModule, {
  name: 'webhook-delivery',
  clientId: 'idsync-webhook-delivery',
  consumerGroupId: loadConfig(WebhookConfig).WEBHOOK_GROUP_ID,
});
