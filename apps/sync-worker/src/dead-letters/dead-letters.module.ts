import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { WorkerKafkaModule } from '../kafka/worker-kafka.module';
import { DeadLetterRecordHandler } from './commands/dead-letter-record/dead-letter-record.handler';
import { DeadLetterSaga } from './dead-letter.saga';

/** idsync.deadletter.v1: records the worker gives up on, with the reason and their origin. */
@Module({
  imports: [CqrsModule, WorkerKafkaModule],
  providers: [DeadLetterSaga, DeadLetterRecordHandler],
})
export class DeadLettersModule {}
