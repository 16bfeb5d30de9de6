import { Injectable } from '@nestjs/common';
import {
  TOPICS,
  deriveCurrentState,
  deriveIdentityEvents,
  encodeIdentityEvent,
  topicName,
  type IdentityEventType,
  type ScimChangeRecord,
} from '@idsync/contracts';
import { WorkerConfig } from '../config/worker.config';
import { WorkerProducer, type TopicMessages } from '../kafka/worker-producer';

/** Publishes what one change yields — public events plus current state — in one sendBatch. */
@Injectable()
export class IdentityStreamPublisher {
  constructor(
    private readonly producer: WorkerProducer,
    private readonly config: WorkerConfig,
  ) {}

  async publish(change: ScimChangeRecord): Promise<IdentityEventType[]> {
    const prefix = this.config.KAFKA_TOPIC_PREFIX;
    const events = deriveIdentityEvents(change);
    const state = deriveCurrentState(change);
    const batch: TopicMessages[] = [
      { topic: topicName(TOPICS.identityEvents, prefix), messages: events.map(encodeIdentityEvent) },
      {
        topic: topicName(state.kind === 'User' ? TOPICS.users : TOPICS.groups, prefix),
        // value null = tombstone: compaction then removes the resource's key.
        messages: [{ key: state.key, value: state.value === null ? null : JSON.stringify(state.value), headers: { 'idsync-change-id': change.changeId } }],
      },
    ];
    await this.producer.sendBatch(batch);
    return events.map((e) => e.type);
  }
}
