import { Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Counter } from 'prom-client';
import { TOPICS, topicName } from '@idsync/contracts';
import { WorkerConfig } from '../../../config/worker.config';
import { RecordOutcomes } from '../../../kafka/record-outcomes';
import { WorkerProducer } from '../../../kafka/worker-producer';
import { deadLetterMessage } from '../../dead-letter-message';
import { DeadLetterRecordCommand } from './dead-letter-record.command';

const deadLetters = new Counter({ name: 'idsync_worker_dead_letters_total', help: 'Change records sent to the dead-letter topic' });

/**
 * Writes the dead letter and settles the record's outcome. If the write fails, the outcome fails:
 * the consumer call throws, the offset stays uncommitted and the record is redelivered.
 */
@CommandHandler(DeadLetterRecordCommand)
export class DeadLetterRecordHandler implements ICommandHandler<DeadLetterRecordCommand, void> {
  private readonly logger = new Logger('DeadLetters');

  constructor(
    private readonly producer: WorkerProducer,
    private readonly outcomes: RecordOutcomes,
    private readonly config: WorkerConfig,
  ) {}

  async execute({ record, reason }: DeadLetterRecordCommand): Promise<void> {
    try {
      await this.producer.sendBatch([{ topic: topicName(TOPICS.deadLetter, this.config.KAFKA_TOPIC_PREFIX), messages: [deadLetterMessage(record, reason, new Date())] }]);
      deadLetters.inc();
      this.logger.warn(`dead-lettered ${record.coordinates}: ${reason}`);
      this.outcomes.settle(record.coordinates);
    } catch (err) {
      this.outcomes.settle(record.coordinates, err instanceof Error ? err : new Error(String(err)));
    }
  }
}
