import { Injectable } from '@nestjs/common';
import { TOPICS, encodeOktaIdentityEvent, topicName, type DerivedOktaEvent } from '@idsync/contracts';
import { WorkerConfig } from '../config/worker.config';
import { WorkerProducer } from '../kafka/worker-producer';

/** Publishes an Okta record's canonical events to idsync.identity.events.v1 in one sendBatch. */
@Injectable()
export class OktaIdentityPublisher {
  constructor(
    private readonly producer: WorkerProducer,
    private readonly config: WorkerConfig,
  ) {}

  async publish(events: DerivedOktaEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.producer.sendBatch([{ topic: topicName(TOPICS.identityEvents, this.config.KAFKA_TOPIC_PREFIX), messages: events.map(encodeOktaIdentityEvent) }]);
  }
}
