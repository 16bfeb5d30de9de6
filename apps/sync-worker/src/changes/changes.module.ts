import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { WorkerKafkaModule } from '../kafka/worker-kafka.module';
import { HandleScimChangeRecordHandler } from './commands/handle-scim-change-record/handle-scim-change-record.handler';
import { WorkerMetricsHandler } from './events/worker-metrics.handlers';
import { IdentityStreamPublisher } from './identity-stream.publisher';
import { ProcessedChangesLedger } from './processed-changes.ledger';
import { ProcessedChangesRetention } from './processed-changes.retention';
import { ScimChangesMessageController } from './scim-changes.message-controller';

/** Consumes raw SCIM changes and authors the public identity stream and the current-state topics. */
@Module({
  imports: [CqrsModule, WorkerKafkaModule],
  controllers: [ScimChangesMessageController],
  providers: [HandleScimChangeRecordHandler, IdentityStreamPublisher, ProcessedChangesLedger, ProcessedChangesRetention, WorkerMetricsHandler],
})
export class ChangesModule {}
