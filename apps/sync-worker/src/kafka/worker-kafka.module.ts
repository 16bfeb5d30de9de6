import { Module } from '@nestjs/common';
import { RecordOutcomes } from './record-outcomes';
import { WorkerProducer } from './worker-producer';

/** The worker's Kafka plumbing shared by its features: the one producer and record outcomes. */
@Module({
  providers: [WorkerProducer, RecordOutcomes],
  exports: [WorkerProducer, RecordOutcomes],
})
export class WorkerKafkaModule {}
