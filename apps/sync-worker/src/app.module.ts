import { Module } from '@nestjs/common';
import { TOPICS, topicDefinitions, topicName } from '@idsync/contracts';
import { DatabaseModule } from '@idsync/persistence';
import { AppConfigModule, AppLoggingModule, ConsumerLagMonitor, HealthModule, KafkaTopicsInitializer, MetricsModule } from '@idsync/platform';
import { ChangesModule } from './changes/changes.module';
import { WorkerConfig } from './config/worker.config';
import { DeadLettersModule } from './dead-letters/dead-letters.module';
import { OktaModule } from './okta/okta.module';

@Module({
  imports: [AppConfigModule.forRoot(WorkerConfig), AppLoggingModule, DatabaseModule, HealthModule, MetricsModule, ChangesModule, DeadLettersModule, OktaModule],
  providers: [
    KafkaTopicsInitializer.provider((c) => topicDefinitions(c.KAFKA_TOPIC_PREFIX)),
    ConsumerLagMonitor.provider(WorkerConfig, (c) => ({ groupId: c.WORKER_GROUP_ID, topics: [topicName(TOPICS.scimChanges, c.KAFKA_TOPIC_PREFIX)] })),
  ],
})
export class SyncWorkerModule {}
