import { Injectable, Logger, type MessageEvent, type OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer, type KafkaMessage } from 'kafkajs';
import { Observable, Subject } from 'rxjs';
import { TOPICS, topicName } from '@idsync/contracts';
import { kafkaClientConfig } from '@idsync/platform';
import { WebhookConfig } from '../../config/webhook.config';
import { identityEventFromKafkaRecord, InvalidIdentityEventError } from '../../domain/identity-cloud-event';

/** What the live page shows of one event: its envelope and attribute names, never attribute values. */
export interface LiveIdentityEvent {
  id: string;
  type: string;
  subject: string | null;
  time: string | null;
  tenantId: string;
  resourceType: string | null;
  changedAttributes: string[];
  actor: string | null;
  position: string;
}

export type LiveStreamStatus = 'connecting' | 'live' | 'unavailable';

/** Events kept per tenant for a page that opens after they happened. */
const BUFFER_PER_TENANT = 50;
/** Tenants with a buffer at most (the oldest buffer goes first). */
const MAX_BUFFERED_TENANTS = 500;
/** With nobody watching for this long, the consumer stops (no idle group on the broker). */
const IDLE_STOP_MS = 60_000;
const HEARTBEAT_MS = 15_000;

function summarise(message: KafkaMessage, partition: number): LiveIdentityEvent | undefined {
  let event;
  try {
    event = identityEventFromKafkaRecord(message.headers, message.value, message.key);
  } catch (err) {
    if (err instanceof InvalidIdentityEventError) return undefined;
    throw err;
  }
  const ce = event.cloudEvent;
  const data = typeof ce.data === 'object' && ce.data !== null ? (ce.data as Record<string, unknown>) : {};
  const changed = Array.isArray(data.changedAttributes) ? data.changedAttributes.filter((a): a is string => typeof a === 'string').slice(0, 50) : [];
  return {
    id: ce.id,
    type: ce.type,
    subject: typeof ce.subject === 'string' ? ce.subject : null,
    time: typeof ce.time === 'string' ? ce.time : null,
    tenantId: event.tenantId.toLowerCase(),
    resourceType: typeof data.resourceType === 'string' ? data.resourceType : null,
    changedAttributes: changed,
    actor: typeof ce.actor === 'string' ? ce.actor : null,
    position: `${partition}:${message.offset}`,
  };
}

/**
 * The console's own reader of the public `idsync.identity.events.v1` topic, fanning events out to
 * the live pages (Server-Sent Events) of their tenant. It starts when the first page connects, in
 * a consumer group of its own per console instance (so it takes no partitions from the delivery
 * group and every instance sees every event), begins at the high-water marks read just before
 * joining (nothing published after "live" is missed), commits nothing, and stops — deleting its
 * group — a minute after the last page closed. Memory is bounded: a short buffer per tenant.
 */
@Injectable()
export class LiveIdentityEventStream implements OnModuleDestroy {
  private readonly logger = new Logger(LiveIdentityEventStream.name);
  private readonly topic: string;
  private readonly events = new Subject<LiveIdentityEvent>();
  private readonly statuses = new Subject<LiveStreamStatus>();
  /** Ends every open page stream on shutdown, so open SSE responses do not hold the HTTP server open. */
  private readonly closing = new Subject<void>();
  private readonly buffers = new Map<string, LiveIdentityEvent[]>();
  /** Next offset expected per partition: a seek after the first fetch must not show an event twice. */
  private readonly nextOffsets = new Map<number, bigint>();
  private status: LiveStreamStatus = 'connecting';
  private problem: string | undefined;
  private consumer: Consumer | undefined;
  private groupId: string | undefined;
  private starting: Promise<void> | undefined;
  private watchers = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private kafka: Kafka;

  constructor(private readonly config: WebhookConfig) {
    this.topic = topicName(TOPICS.identityEvents, config.KAFKA_TOPIC_PREFIX);
    this.kafka = new Kafka({ ...kafkaClientConfig(config, 'idsync-console-live'), logLevel: logLevel.NOTHING });
  }

  /** SSE messages for one tenant's live page: the current status, the buffered events, then new ones, plus heartbeats. */
  watch(tenantId: string): Observable<MessageEvent> {
    const tenant = tenantId.toLowerCase();
    return new Observable<MessageEvent>((subscriber) => {
      this.watchers += 1;
      clearTimeout(this.idleTimer);
      const statusMessage = (s: LiveStreamStatus): MessageEvent => ({ type: 'status', data: { status: s, problem: s === 'unavailable' ? this.problem ?? null : null } });
      subscriber.next(statusMessage(this.status));
      for (const e of this.buffers.get(tenant) ?? []) subscriber.next({ type: 'identity-event', id: e.position, data: e });
      const subs = [
        this.statuses.subscribe((s) => subscriber.next(statusMessage(s))),
        this.events.subscribe((e) => {
          if (e.tenantId === tenant) subscriber.next({ type: 'identity-event', id: e.position, data: e });
        }),
        this.closing.subscribe(() => subscriber.complete()),
      ];
      const heartbeat = setInterval(() => subscriber.next({ type: 'heartbeat', data: { at: new Date().toISOString() } }), HEARTBEAT_MS);
      this.ensureStarted();
      return () => {
        clearInterval(heartbeat);
        for (const s of subs) s.unsubscribe();
        this.watchers -= 1;
        if (this.watchers === 0) {
          this.idleTimer = setTimeout(() => void this.stop(), IDLE_STOP_MS);
          this.idleTimer.unref();
        }
      };
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.closing.next();
    clearTimeout(this.idleTimer);
    await this.stop();
  }

  private setStatus(status: LiveStreamStatus, problem?: string): void {
    if (status === this.status && problem === this.problem) return;
    this.status = status;
    this.problem = problem;
    this.statuses.next(status);
  }

  private ensureStarted(): void {
    if (this.consumer || this.starting) return;
    this.starting = this.start().finally(() => (this.starting = undefined));
  }

  private async start(): Promise<void> {
    this.setStatus('connecting');
    const groupId = `${this.config.WEBHOOK_GROUP_ID}-console-${randomUUID()}`;
    const consumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 250, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    this.consumer = consumer;
    this.groupId = groupId;
    try {
      const admin = this.kafka.admin();
      await admin.connect();
      let highWaterMarks: Array<{ partition: number; high: string }>;
      try {
        highWaterMarks = await admin.fetchTopicOffsets(this.topic);
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
      this.nextOffsets.clear();
      for (const o of highWaterMarks) this.nextOffsets.set(o.partition, BigInt(o.high));
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) {
          this.setStatus('unavailable', `the live stream stopped: ${payload.error.message}`);
          void this.stop();
        }
      });
      await consumer.connect();
      await consumer.subscribe({ topics: [this.topic], fromBeginning: false });
      await consumer.run({ autoCommit: false, eachMessage: async ({ partition, message }) => this.onRecord(partition, message) });
      if (this.consumer !== consumer) {
        // Stopped (shutdown) while joining.
        await consumer.disconnect().catch(() => undefined);
        return;
      }
      for (const o of highWaterMarks) consumer.seek({ topic: this.topic, partition: o.partition, offset: o.high });
      this.setStatus('live');
    } catch (err) {
      const problem = `Kafka is not reachable for the live stream: ${err instanceof Error ? err.message : String(err)}`;
      this.logger.warn(problem);
      await this.stop();
      this.setStatus('unavailable', problem);
    }
  }

  private onRecord(partition: number, message: KafkaMessage): void {
    const offset = BigInt(message.offset);
    if (offset < (this.nextOffsets.get(partition) ?? 0n)) return;
    this.nextOffsets.set(partition, offset + 1n);
    const event = summarise(message, partition);
    if (!event) return;
    let buffer = this.buffers.get(event.tenantId);
    if (!buffer) {
      if (this.buffers.size >= MAX_BUFFERED_TENANTS) this.buffers.delete(this.buffers.keys().next().value as string);
      this.buffers.set(event.tenantId, (buffer = []));
    }
    buffer.push(event);
    if (buffer.length > BUFFER_PER_TENANT) buffer.shift();
    this.events.next(event);
  }

  private async stop(): Promise<void> {
    const consumer = this.consumer;
    const groupId = this.groupId;
    this.consumer = undefined;
    this.groupId = undefined;
    this.status = 'connecting';
    if (!consumer) return;
    await consumer.disconnect().catch(() => undefined);
    // The group held no offsets; delete it so stopped consoles leave nothing behind on the broker.
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      if (groupId) await admin.deleteGroups([groupId]);
    } catch {
      // Best effort: an empty group expires on its own.
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
