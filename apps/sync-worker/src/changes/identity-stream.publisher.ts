import { Injectable } from '@nestjs/common';
import { CloudEvent, Kafka } from 'cloudevents';
import type { Message } from 'kafkajs';
import {
  TOPICS,
  deriveCurrentState,
  deriveIdentityEvents,
  topicName,
  type DerivedIdentityEvent,
  type IdentityEventData,
  type IdentityEventType,
  type ScimChangeRecord,
} from '@idsync/contracts';
import { WorkerConfig } from '../config/worker.config';
import { WorkerProducer, type TopicMessages } from '../kafka/worker-producer';

/** CloudEvents binary mode: `ce_*` headers; datacontenttype travels as `content-type` only. */
export function binaryCloudEventMessage(derived: DerivedIdentityEvent): Message {
  const event = new CloudEvent<IdentityEventData>({
    specversion: '1.0',
    id: derived.id,
    source: derived.source,
    type: derived.type,
    subject: derived.subject,
    time: derived.time,
    datacontenttype: 'application/json',
    data: derived.data,
    ...derived.extensions,
  });
  // Strict construction validates the attributes; a failure here is a bug, not bad input.
  const binary = Kafka.binary(event);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(binary.headers)) {
    if (value === undefined || value === null || name === 'ce_datacontenttype') continue;
    headers[name] = String(value);
  }
  return { key: derived.key, value: JSON.stringify(derived.data), headers, timestamp: binary.timestamp };
}

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
      { topic: topicName(TOPICS.identityEvents, prefix), messages: events.map(binaryCloudEventMessage) },
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
