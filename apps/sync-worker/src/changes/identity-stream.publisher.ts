import { Injectable } from '@nestjs/common';
import { SpanKind } from '@opentelemetry/api';
import {
  TOPICS,
  deriveCurrentState,
  deriveIdentityEvents,
  encodeIdentityEvent,
  topicName,
  type IdentityEventType,
  type ScimChangeRecord,
} from '@idsync/contracts';
import { injectSpanContext, inSpan } from '@idsync/platform';
import { WorkerConfig } from '../config/worker.config';
import { WorkerProducer, type TopicMessages } from '../kafka/worker-producer';

/**
 * Publishes what one change yields — public events plus current state — in one sendBatch, under a
 * PRODUCER span whose W3C context every record carries as `traceparent`/`tracestate` headers and
 * each public event also as the CloudEvents distributed-tracing extension (`ce_traceparent`,
 * `ce_tracestate`): the event keeps its trace wherever it goes next (webhook bodies included).
 */
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
    const eventsTopic = topicName(TOPICS.identityEvents, prefix);
    const attributes = { 'messaging.system': 'kafka', 'messaging.operation.type': 'send', 'messaging.destination.name': eventsTopic, 'messaging.batch.message_count': events.length };
    return inSpan(`publish ${TOPICS.identityEvents}`, { kind: SpanKind.PRODUCER, attributes }, undefined, async (span) => {
      const traceHeaders = injectSpanContext(span); // {} when tracing is off: records unchanged
      const batch: TopicMessages[] = [
        {
          topic: eventsTopic,
          messages: events.map((e) => {
            const encoded = encodeIdentityEvent({ ...e, extensions: { ...e.extensions, ...traceHeaders } });
            return { ...encoded, headers: { ...encoded.headers, ...traceHeaders } };
          }),
        },
        {
          topic: topicName(state.kind === 'User' ? TOPICS.users : TOPICS.groups, prefix),
          // value null = tombstone: compaction then removes the resource's key.
          messages: [{ key: state.key, value: state.value === null ? null : JSON.stringify(state.value), headers: { 'idsync-change-id': change.changeId, ...traceHeaders } }],
        },
      ];
      await this.producer.sendBatch(batch);
      return events.map((e) => e.type);
    });
  }
}
