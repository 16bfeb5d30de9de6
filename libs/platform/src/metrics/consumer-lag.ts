import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Admin } from 'kafkajs';
import { Gauge } from 'prom-client';
import { BaseAppConfig } from '../config/base-config';
import { createKafkaClient } from '../kafka/kafka-client.factory';

/** Which consumer group's lag an app reports, on which topics (the topics it consumes). */
export interface ConsumerLagTarget {
  groupId: string;
  topics: string[];
}

export interface PartitionLag {
  group: string;
  topic: string;
  partition: number;
  lag: number;
}

/**
 * Lag is fetched when Prometheus scrapes, at most once per this interval per process (two admin
 * requests per topic): scraping more often reuses the last figures, and nobody scraping costs nothing.
 */
export const CONSUMER_LAG_MIN_INTERVAL_MS = 10_000;
const FETCH_TIMEOUT_MS = 3_000;

const monitors = new Set<ConsumerLagMonitor>();

/** Labels: group and topic (a handful per deployment) × partition (the topic's partition count). */
export const consumerLag = new Gauge({
  name: 'idsync_kafka_consumer_lag',
  help: 'Records not yet consumed by the consumer group: high watermark minus committed offset, per topic partition',
  labelNames: ['group', 'topic', 'partition'],
  async collect() {
    this.reset();
    const snapshots = await Promise.all([...monitors].map((m) => m.current()));
    for (const lag of snapshots.flat()) this.set({ group: lag.group, topic: lag.topic, partition: String(lag.partition) }, lag.lag);
  },
});

/** Committed offsets vs high watermarks: lag per partition (a partition never committed counts from its low watermark). */
export async function fetchConsumerLag(admin: Admin, target: ConsumerLagTarget): Promise<PartitionLag[]> {
  const committed = await admin.fetchOffsets({ groupId: target.groupId, topics: target.topics });
  const lags: PartitionLag[] = [];
  for (const topic of target.topics) {
    const watermarks = await admin.fetchTopicOffsets(topic);
    const offsets = new Map((committed.find((c) => c.topic === topic)?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    for (const w of watermarks) {
      const done = offsets.get(w.partition) ?? -1;
      const from = done >= 0 ? done : Number(w.low);
      lags.push({ group: target.groupId, topic, partition: w.partition, lag: Math.max(0, Number(w.high) - from) });
    }
  }
  return lags;
}

/**
 * Reports `idsync_kafka_consumer_lag` for one consumer group, from a kafkajs admin client of its own.
 * Provided with a factory (`ConsumerLagMonitor.provider(targetOf)`), since the group and topics depend on config.
 */
export class ConsumerLagMonitor implements OnApplicationShutdown {
  private readonly logger = new Logger(ConsumerLagMonitor.name);
  private admin: Admin | undefined;
  private last: PartitionLag[] = [];
  private fetchedAt = 0;
  private inFlight: Promise<PartitionLag[]> | undefined;

  constructor(
    private readonly config: BaseAppConfig,
    readonly target: ConsumerLagTarget,
  ) {
    monitors.add(this);
  }

  static provider<C extends BaseAppConfig>(configClass: new () => C, targetOf: (config: C) => ConsumerLagTarget) {
    return {
      provide: ConsumerLagMonitor,
      inject: [configClass],
      useFactory: (config: C) => new ConsumerLagMonitor(config, targetOf(config)),
    };
  }

  /** The lag as of at most CONSUMER_LAG_MIN_INTERVAL_MS ago; empty while Kafka cannot be asked (no stale figures). */
  current(): Promise<PartitionLag[]> {
    if (Date.now() - this.fetchedAt < CONSUMER_LAG_MIN_INTERVAL_MS) return Promise.resolve(this.last);
    this.inFlight ??= this.refresh().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async refresh(): Promise<PartitionLag[]> {
    try {
      if (!this.admin) {
        const admin = createKafkaClient(this.config, 'idsync-lag-monitor').admin();
        // Kept only once connected: a failed connect is retried from scratch on the next scrape.
        await admin.connect().catch(async (err: unknown) => {
          await admin.disconnect().catch(() => undefined);
          throw err;
        });
        this.admin = admin;
      }
      const admin = this.admin;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${FETCH_TIMEOUT_MS} ms`)), FETCH_TIMEOUT_MS)));
      try {
        this.last = await Promise.race([fetchConsumerLag(admin, this.target), timeout]);
      } finally {
        clearTimeout(timer);
      }
    } catch (err) {
      this.logger.warn(`consumer lag of ${this.target.groupId} unavailable: ${err instanceof Error ? err.message : String(err)}`);
      this.last = [];
    }
    this.fetchedAt = Date.now();
    return this.last;
  }

  async onApplicationShutdown(): Promise<void> {
    monitors.delete(this);
    await this.inFlight?.catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = undefined;
  }
}
