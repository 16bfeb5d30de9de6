import { Injectable, Logger } from '@nestjs/common';
import { Kafka, logLevel, type IHeaders } from 'kafkajs';
import { DEAD_LETTER_HEADERS, TOPICS, topicName } from '@idsync/contracts';
import { kafkaClientConfig, readTopicRange, TopicNotFoundError, type TopicRangeRecord } from '@idsync/platform';
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

function summaryOf({ partition, offset, key: rawKey, value, headers: h }: TopicRangeRecord): DeadLetterSummary {
  const key = rawKey?.toString('utf8') ?? null;
  const tenant = key && /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):/i.exec(key)?.[1];
  const originalPartition = headerText(h[DEAD_LETTER_HEADERS.originalPartition]);
  const originalOffset = headerText(h[DEAD_LETTER_HEADERS.originalOffset]);
  return {
    position: `${partition}:${offset}`,
    failedAt: headerText(h[DEAD_LETTER_HEADERS.failedAt]),
    error: headerText(h[DEAD_LETTER_HEADERS.error]),
    originalTopic: headerText(h[DEAD_LETTER_HEADERS.originalTopic]),
    originalPosition: originalPartition !== null && originalOffset !== null ? `${originalPartition}:${originalOffset}` : null,
    key,
    tenantId: tenant ? tenant.toLowerCase() : null,
    valueBytes: value?.length ?? 0,
  };
}

/**
 * Reads the newest dead letters of `idsync.deadletter.v1` with readTopicRange, like the
 * `idsync deadletter list` CLI: up to the high-water marks noted first, with a throwaway group
 * (no offsets committed, group deleted afterwards), within a deadline.
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
    try {
      const records = await readTopicRange(kafka, [this.topic], {
        groupIdPrefix: 'idsync-console-deadletters',
        timeoutMs: READ_DEADLINE_MS,
        newestPerPartition: limit,
        consumer: { maxWaitTimeInMs: 250, sessionTimeout: 10_000, heartbeatInterval: 1_000 },
      });
      return { topic: this.topic, readAt, letters: records.map(summaryOf) };
    } catch (err) {
      if (err instanceof TopicNotFoundError) return { topic: this.topic, readAt, letters: [] };
      this.cached = undefined;
      const problem = `Could not read ${this.topic}: ${err instanceof Error ? err.message : String(err)}`;
      this.logger.warn(problem);
      return { topic: this.topic, readAt, letters: [], problem };
    }
  }
}
