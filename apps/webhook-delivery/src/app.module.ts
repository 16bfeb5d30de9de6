import { Module } from '@nestjs/common';
import { TOPICS, topicDefinitions, topicName } from '@idsync/contracts';
import { DatabaseModule } from '@idsync/persistence';
import { AdminSsoModule, AppConfigModule, AppLoggingModule, ConsumerLagMonitor, HealthModule, KafkaTopicsInitializer, MetricsModule } from '@idsync/platform';
import { WebhookConfig } from './config/webhook.config';
import { ConsoleModule } from './console/console.module';
import { WebhooksModule } from './webhooks.module';

@Module({
  imports: [AppConfigModule.forRoot(WebhookConfig), AdminSsoModule, AppLoggingModule, DatabaseModule, HealthModule, MetricsModule, WebhooksModule, ConsoleModule],
  // Like the other apps: make sure the topics exist before the consumer subscribes. Without it,
  // webhook-delivery started at the same moment as the gateway and worker (npm start, compose)
  // could subscribe before they had created the topics and fail with UNKNOWN_TOPIC_OR_PARTITION.
  providers: [
    KafkaTopicsInitializer.provider((c) => topicDefinitions(c.KAFKA_TOPIC_PREFIX)),
    ConsumerLagMonitor.provider(WebhookConfig, (c) => ({ groupId: c.WEBHOOK_GROUP_ID, topics: [topicName(TOPICS.identityEvents, c.KAFKA_TOPIC_PREFIX)] })),
  ],
})
export class WebhookDeliveryModule {}
