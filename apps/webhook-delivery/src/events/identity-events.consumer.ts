import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { SpanKind, type Context, type Span } from '@opentelemetry/api';
import { Kafka, logLevel, type Consumer, type EachBatchPayload, type KafkaMessage, type logCreator } from 'kafkajs';
import { Counter } from 'prom-client';
import { TOPICS, topicName } from '@idsync/contracts';
import { extractTraceContext, hasTraceContext, idsyncTracer, kafkaClientConfig, recordSpanError } from '@idsync/platform';
import { WebhookConfig } from '../config/webhook.config';
import { FanOutIdentityEventsCommand } from '../delivery/commands/fan-out-identity-events.command';
import { identityEventFromKafkaRecord, InvalidIdentityEventError, type IdentityEvent } from '../domain/identity-cloud-event';

const eventsReceived = new Counter({
  name: 'idsync_webhook_events_received_total',
  help: 'Public identity events read from Kafka by webhook-delivery, by CloudEvent type',
  labelNames: ['type'],
});

/**
 * Records of one partition fanned out by one command (one INSERT). Bounds the statement and the
 * time between heartbeats, and the transient memory of building it (payloads and their SQL array
 * literals); a fetch of a busy partition (1 MB) holds a few hundred events.
 */
const RECORDS_PER_COMMAND = 100;

/**
 * The delivery consumer group's reader of the public identity stream. kafkajs `eachBatch`
 * (Nest's Kafka transport only has `eachMessage`, one record per partition at a time) hands over
 * one partition's fetched records; they go to FanOutIdentityEventsCommand in slices of
 * RECORDS_PER_COMMAND, in offset order. At-least-once: a slice's offsets are resolved (and
 * committed by kafkajs) only after its deliveries are stored; a failure (database down) throws,
 * and kafkajs fetches again from the last resolved offset. Partitions stay in order, several run
 * in parallel (WEBHOOK_PARTITIONS_CONCURRENCY). A record that is not a valid identity event is
 * skipped with a warning. Each record gets a CONSUMER span continuing its trace (see traceParent).
 */
@Injectable()
export class IdentityEventsConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(IdentityEventsConsumer.name);
  private readonly topic: string;
  private consumer: Consumer | undefined;

  constructor(
    private readonly config: WebhookConfig,
    private readonly commands: CommandBus,
  ) {
    this.topic = topicName(TOPICS.identityEvents, config.KAFKA_TOPIC_PREFIX);
  }

  /** After every module's init: the topics exist (KafkaTopicsInitializer) and migrations were checked. */
  async onApplicationBootstrap(): Promise<void> {
    const kafka = new Kafka({ ...kafkaClientConfig(this.config, 'idsync-webhook-delivery'), logCreator: nestLogCreator(this.logger) });
    const consumer = kafka.consumer({
      groupId: this.config.WEBHOOK_GROUP_ID,
      allowAutoTopicCreation: false,
      sessionTimeout: this.config.KAFKA_SESSION_TIMEOUT_MS,
      // kafkajs heartbeats every 3 s by default; a short session timeout needs them more often.
      heartbeatInterval: Math.min(3_000, Math.floor(this.config.KAFKA_SESSION_TIMEOUT_MS / 3)),
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [this.topic], fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: this.config.WEBHOOK_PARTITIONS_CONCURRENCY,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  /** Stops fetching and waits for the slice in progress (before the database pool closes). */
  async onModuleDestroy(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect();
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    for (let start = 0; start < batch.messages.length; start += RECORDS_PER_COMMAND) {
      // Stopping, or the partition was reassigned in a rebalance: leave the rest to its next owner.
      if (!isRunning() || isStale()) return;
      const slice = batch.messages.slice(start, start + RECORDS_PER_COMMAND);
      const spans: Span[] = [];
      try {
        const events: IdentityEvent[] = [];
        for (const message of slice) {
          spans.push(this.processSpan(batch.partition, message));
          const event = this.toEvent(batch.partition, message);
          if (event) events.push(event);
        }
        await this.commands.execute(new FanOutIdentityEventsCommand(events));
      } catch (err) {
        for (const span of spans) recordSpanError(span, err);
        throw err;
      } finally {
        for (const span of spans) span.end();
      }
      resolveOffset(slice[slice.length - 1].offset);
      await heartbeat();
    }
  }

  private toEvent(partition: number, message: KafkaMessage): IdentityEvent | undefined {
    eventsReceived.inc({ type: message.headers?.ce_type?.toString() ?? 'unknown' });
    try {
      return identityEventFromKafkaRecord(message.headers, message.value, message.key);
    } catch (err) {
      if (!(err instanceof InvalidIdentityEventError)) throw err;
      this.logger.warn(`skipping record at ${this.topic}/${partition}@${message.offset}: ${err.message}`);
      return undefined;
    }
  }

  private processSpan(partition: number, message: KafkaMessage): Span {
    return idsyncTracer().startSpan(
      `process ${TOPICS.identityEvents}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'process',
          'messaging.destination.name': this.topic,
          'messaging.destination.partition.id': String(partition),
          'messaging.kafka.offset': Number(message.offset),
        },
      },
      traceParent(message.headers),
    );
  }
}

/**
 * The record's `traceparent`/`tracestate` headers, or — from a producer that only set the
 * CloudEvents distributed-tracing extension — `ce_traceparent`/`ce_tracestate`.
 */
function traceParent(headers: Record<string, unknown> | undefined): Context {
  const fromHeaders = extractTraceContext(headers);
  if (hasTraceContext(fromHeaders) || !headers) return fromHeaders;
  return extractTraceContext({ traceparent: headers.ce_traceparent, tracestate: headers.ce_tracestate });
}

/** kafkajs log lines through the app's logger (pino), as Nest's Kafka transport does. */
function nestLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, ...details } = log;
      const line = `[${namespace}] ${message} ${JSON.stringify(details)}`;
      if (level === logLevel.ERROR || level === logLevel.NOTHING) logger.error(line);
      else if (level === logLevel.WARN) logger.warn(line);
      else if (level === logLevel.INFO) logger.log(line);
      else logger.debug(line);
    };
}
