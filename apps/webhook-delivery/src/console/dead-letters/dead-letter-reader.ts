import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type IHeaders, type KafkaMessage } from 'kafkajs';
import { DEAD_LETTER_HEADERS, TOPICS, topicName } from '@idsync/contracts';
import { kafkaClientConfig } from '@idsync/platform';
import { WebhookConfig } from '../../config/webhook.config';

/** One dead letter as the console lists it: where it sits and why it failed (never the record's value: it holds identity data). */
export interface DeadLetterSummary {
  /** `<partition>:<offset>`, what `idsync deadletter redrive --offset` takes. */
  position: string;
  failedAt: string | null;
  error: string | null;
  originalTopic: string | null;
  originalPosition: string | null;
  /** The record key (`tenant:resource`), which names the tenant. */
  key: string | null;
  tenantId: string | null;
  valueBytes: number;
}

export interface DeadLetterListing {
  topic: string;
  readAt: string;
  letters: DeadLetterSummary[];
  /** Set when Kafka could not be read; the page says so instead of failing. */
  problem?: string;
}

/** How long a read is reused: page reloads during an incident do not each start a consumer. */
const CACHE_MS = 10_000;
const READ_DEADLINE_MS = 15_000;

function headerText(value: IHeaders[string]): string | null {
  const single = Array.isArray(value) ? value[value.length - 1] : value;
  if (single === undefined) return null;
  return Buffer.isBuffer(single) ? single.toString('utf8') : String(single);
}

function summaryOf(partition: number, message: KafkaMessage): DeadLetterSummary {
  const h = message.headers ?? {};
  const key = message.key?.toString('utf8') ?? null;
  const tenant = key && /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):/i.exec(key)?.[1];
  const originalPartition = headerText(h[DEAD_LETTER_HEADERS.originalPartition]);
  const originalOffset = headerText(h[DEAD_LETTER_HEADERS.originalOffset]);
  return {
    position: `${partition}:${message.offset}`,
    failedAt: headerText(h[DEAD_LETTER_HEADERS.failedAt]),
    error: headerText(h[DEAD_LETTER_HEADERS.error]),
    originalTopic: headerText(h[DEAD_LETTER_HEADERS.originalTopic]),
    originalPosition: originalPartition !== null && originalOffset !== null ? `${originalPartition}:${originalOffset}` : null,
    key,
    tenantId: tenant ? tenant.toLowerCase() : null,
    valueBytes: message.value?.length ?? 0,
  };
}

/**
 * Reads the newest dead letters of `idsync.deadletter.v1` (the same bounded read as the
 * `idsync deadletter list` CLI): high-water marks first, then a consumer of a throwaway group
 * (no offsets committed, group deleted afterwards) reads up to them and stops, within a deadline.
 */
@Injectable()
export class DeadLetterReader {
  private readonly logger = new Logger(DeadLetterReader.name);
  private readonly topic: string;
  private cached: { at: number; limit: number; listing: Promise<DeadLetterListing> } | undefined;

  constructor(private readonly config: WebhookConfig) {
    this.topic = topicName(TOPICS.deadLetter, config.KAFKA_TOPIC_PREFIX);
  }

  /** The newest `limit` dead letters; concurrent and repeated calls within a few seconds share one read. */
  newest(limit: number): Promise<DeadLetterListing> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > CACHE_MS || this.cached.limit < limit) {
      this.cached = { at: now, limit, listing: this.read(limit) };
    }
    return this.cached.listing.then((l) => ({ ...l, letters: l.letters.slice(-limit) }));
  }

  private async read(limit: number): Promise<DeadLetterListing> {
    const readAt = new Date().toISOString();
    // Few, short retries: a page should say "Kafka is unreachable" in seconds, not hang.
    const kafka = new Kafka({ ...kafkaClientConfig(this.config, 'idsync-console-deadletters'), logLevel: logLevel.NOTHING, retry: { initialRetryTime: 200, retries: 2, maxRetryTime: 1_000 } });
    const admin = kafka.admin();
    const groupId = `idsync-console-deadletters-${randomUUID()}`;
    const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 250, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    let timer: NodeJS.Timeout | undefined;
    try {
      await admin.connect();
      if (!(await admin.listTopics()).includes(this.topic)) return { topic: this.topic, readAt, letters: [] };
      const ranges = (await admin.fetchTopicOffsets(this.topic))
        .map((o) => {
          const high = BigInt(o.high);
          const low = BigInt(o.low);
          return { partition: o.partition, from: high - BigInt(limit) > low ? high - BigInt(limit) : low, to: high };
        })
        .filter((r) => r.from < r.to);
      if (ranges.length === 0) return { topic: this.topic, readAt, letters: [] };
      const remaining = new Map(ranges.map((r) => [r.partition, r]));
      const letters: Array<{ partition: number; offset: bigint; summary: DeadLetterSummary }> = [];
      let done: () => void = () => undefined;
      const allRead = new Promise<void>((resolve) => (done = resolve));
      await consumer.connect();
      await consumer.subscribe({ topics: [this.topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const range = remaining.get(partition);
          if (!range) return;
          const offset = BigInt(message.offset);
          if (offset >= range.from && offset < range.to) letters.push({ partition, offset, summary: summaryOf(partition, message) });
          if (offset >= range.to - 1n) {
            remaining.delete(partition);
            if (remaining.size === 0) done();
          }
        },
      });
      for (const r of ranges) consumer.seek({ topic: this.topic, partition: r.partition, offset: r.from.toString() });
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${READ_DEADLINE_MS} ms reading ${this.topic}`)), READ_DEADLINE_MS);
      });
      await Promise.race([allRead, deadline]);
      letters.sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : 1));
      return { topic: this.topic, readAt, letters: letters.map((l) => l.summary) };
    } catch (err) {
      this.cached = undefined;
      const problem = `Could not read ${this.topic}: ${err instanceof Error ? err.message : String(err)}`;
      this.logger.warn(problem);
      return { topic: this.topic, readAt, letters: [], problem };
    } finally {
      clearTimeout(timer);
      await consumer.disconnect().catch(() => undefined);
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    }
  }
}
