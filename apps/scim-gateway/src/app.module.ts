import { Module } from '@nestjs/common';
import { topicDefinitions } from '@idsync/contracts';
import { DatabaseModule } from '@idsync/persistence';
import { AppConfigModule, AppLoggingModule, HealthModule, KafkaTopicsInitializer, MetricsModule } from '@idsync/platform';
import { GatewayConfig } from './config/gateway.config';
import { OutboxModule } from './outbox/outbox.module';

@Module({
  imports: [AppConfigModule.forRoot(GatewayConfig), AppLoggingModule, DatabaseModule, HealthModule, MetricsModule, OutboxModule],
  providers: [KafkaTopicsInitializer.provider((c) => topicDefinitions(c.KAFKA_TOPIC_PREFIX))],
})
export class ScimGatewayModule {}
