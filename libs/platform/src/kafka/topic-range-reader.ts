import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, ConsumerConfig, IHeaders, Kafka } from 'kafkajs';

/** What one partition holds when the read starts: offsets [low, high). */
export interface PartitionOffsets {
  topic: string;
  partition: number;
  low: bigint;
  /** The high-water mark: the offset the next record will get. */
  high: bigint;
}

/** The part of a partition to read: offsets [from, to). */
export interface PartitionRange {
  topic: string;
  partition: number;
  from: bigint;
  to: bigint;
}

/** A record as read: its coordinates plus the raw key, value and headers. */
export interface TopicRangeRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  timestamp: string;
}

/** Thrown before anything is read when a topic does not exist (reading it could otherwise auto-create it). */
export class TopicNotFoundError extends Error {
  constructor(readonly topic: string) {
    super(`topic ${topic} does not exist`);
    this.name = 'TopicNotFoundError';
  }
}

export interface ReadTopicRangeOptions {
  /** The throwaway consumer group is `<groupIdPrefix>-<uuid>`: recognisable in broker tooling. */
  groupIdPrefix: string;
  /** Reject when the consumer has not reached the end of every range within this long. */
  timeoutMs: number;
  /**
   * Which parts to read, from the offsets found at the start (default: all of them). May throw to
   * refuse the read before any consumer starts. Ranges are clamped to [low, high).
   */
  ranges?: (offsets: PartitionOffsets[]) => PartitionRange[];
  /** Only the newest this many records of each partition (applied after `ranges`). */
  newestPerPartition?: number;
  /**
   * Receives each record (in offset order within a partition) instead of the result collecting
   * it: for big topics where the caller keeps only a little of each record. The result is then [].
   * If it throws, the read stops and rejects with that error.
   */
  onRecord?: (record: TopicRangeRecord) => void;
  /** A connected admin client to use (left connected); otherwise one is connected for the read. */
  admin?: Admin;
  /** Consumer settings for callers that must answer quickly (e.g. a short maxWaitTimeInMs). */
  consumer?: Pick<ConsumerConfig, 'maxWaitTimeInMs' | 'sessionTimeout' | 'heartbeatInterval'>;
}

/** Long enough for a healthy broker; short enough that a hung one cannot hold a CLI at exit. */
const DISCONNECT_DEADLINE_MS = 5_000;

const rangeKey = (topic: string, partition: number) => `${topic}/${partition}`;

/** Waits for `work` to succeed or fail, but no longer than `ms`; never rejects. */
async function settledWithin(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  await Promise.race([work.catch(() => undefined), deadline]);
  clearTimeout(timer);
}

function boundedDisconnect(client: Admin | Consumer): Promise<void> {
  return settledWithin(client.disconnect(), DISCONNECT_DEADLINE_MS);
}

async function offsetsOf(admin: Admin, topics: string[]): Promise<PartitionOffsets[]> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.find((t) => !existing.has(t));
  if (missing !== undefined) throw new TopicNotFoundError(missing);
  const offsets: PartitionOffsets[] = [];
  for (const topic of topics) {
    for (const o of await admin.fetchTopicOffsets(topic)) offsets.push({ topic, partition: o.partition, low: BigInt(o.low), high: BigInt(o.high) });
  }
  return offsets;
}

function rangesToRead(offsets: PartitionOffsets[], options: ReadTopicRangeOptions): PartitionRange[] {
  const bounds = new Map(offsets.map((o) => [rangeKey(o.topic, o.partition), o]));
  const chosen = options.ranges ? options.ranges(offsets) : offsets.map((o) => ({ topic: o.topic, partition: o.partition, from: o.low, to: o.high }));
  const ranges: PartitionRange[] = [];
  for (const r of chosen) {
    const b = bounds.get(rangeKey(r.topic, r.partition));
    if (!b) continue;
    const to = r.to < b.high ? r.to : b.high;
    let from = r.from > b.low ? r.from : b.low;
    if (options.newestPerPartition !== undefined && to - BigInt(options.newestPerPartition) > from) from = to - BigInt(options.newestPerPartition);
    if (from < to) ranges.push({ topic: r.topic, partition: r.partition, from, to });
  }
  return ranges;
}

/**
 * Reads `topics` between the offsets they hold when the call starts, and stops: records that
 * arrive meanwhile are neither waited for nor returned, so the read always ends. Uses a consumer
 * of a throwaway group (kafkajs has no assign()) that commits nothing and is deleted afterwards.
 * Returns the records ordered by topic (as given), partition and offset.
 */
export async function readTopicRange(kafka: Kafka, topics: string[], options: ReadTopicRangeOptions): Promise<TopicRangeRecord[]> {
  const admin = options.admin ?? kafka.admin();
  if (!options.admin) await admin.connect();
  try {
    const ranges = rangesToRead(await offsetsOf(admin, topics), options);
    if (ranges.length === 0) return [];
    const records = await consumeRanges(kafka, admin, ranges, options);
    const topicOrder = new Map(topics.map((t, i) => [t, i]));
    return records.sort(
      (a, b) => (topicOrder.get(a.topic) ?? 0) - (topicOrder.get(b.topic) ?? 0) || a.partition - b.partition || (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1),
    );
  } finally {
    if (!options.admin) await boundedDisconnect(admin);
  }
}

async function consumeRanges(kafka: Kafka, admin: Admin, ranges: PartitionRange[], options: ReadTopicRangeOptions): Promise<TopicRangeRecord[]> {
  const groupId = `${options.groupIdPrefix}-${randomUUID()}`;
  const consumer = kafka.consumer({ ...options.consumer, groupId, allowAutoTopicCreation: false });
  // Per partition still to finish: its range and the next offset to accept. Offsets below it are
  // skipped, so a record fetched twice (a fetch from before the seek, a rebalance) counts once.
  const remaining = new Map(ranges.map((r) => [rangeKey(r.topic, r.partition), { ...r, next: r.from }]));
  const records: TopicRangeRecord[] = [];
  let allRead: () => void = () => undefined;
  let failed: (err: unknown) => void = () => undefined;
  let stopped = false;
  const finished = new Promise<void>((resolve, reject) => {
    allRead = resolve;
    failed = (err) => {
      stopped = true;
      reject(err);
    };
  });
  finished.catch(() => undefined); // awaited below; this only keeps an early failure from counting as unhandled
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${options.timeoutMs} ms reading ${[...new Set(ranges.map((r) => r.topic))].join(', ')} up to the high-water mark (${remaining.size} partition(s) short)`)),
      options.timeoutMs,
    );
    timer.unref();
  });
  // The group starts at the earliest offsets; a range may start later. Seeking is only a shortcut
  // (offsets below a range's start are skipped anyway), done on every join: a consumer that crashed
  // while joining (a transient coordinator error on a new group) and rejoins seeks again, whereas a
  // seek between kafkajs' crash and its restart would throw ("consumer#run must be called first").
  consumer.on(consumer.events.GROUP_JOIN, () => {
    for (const r of ranges) {
      try {
        consumer.seek({ topic: r.topic, partition: r.partition, offset: r.from.toString() });
      } catch {
        // Not in the group any more: the next join seeks.
      }
    }
  });
  const start = async () => {
    await consumer.connect();
    if (stopped) return;
    await consumer.subscribe({ topics: [...new Set(ranges.map((r) => r.topic))], fromBeginning: true });
    if (stopped) return;
    // run() resolves once the group is joined and the partitions assigned.
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        const range = remaining.get(rangeKey(topic, partition));
        const offset = BigInt(message.offset);
        if (!range || stopped || offset < range.next) return;
        range.next = offset + 1n;
        if (offset < range.to) {
          const record = { topic, partition, offset: message.offset, key: message.key, value: message.value, headers: message.headers ?? {}, timestamp: message.timestamp };
          if (!options.onRecord) records.push(record);
          else {
            // A caller's error ends the read (thrown here, kafkajs would retry the batch instead).
            try {
              options.onRecord(record);
            } catch (err) {
              failed(err);
              return;
            }
          }
        }
        if (offset >= range.to - 1n) {
          remaining.delete(rangeKey(topic, partition));
          if (remaining.size === 0) allRead();
        }
      },
    });
  };
  const starting = start();
  try {
    await Promise.race([starting.then(() => finished), deadline]);
    return records;
  } finally {
    stopped = true;
    clearTimeout(timer);
    // Let a start cut short by the deadline settle first, or the consumer could join after the disconnect.
    await settledWithin(starting, DISCONNECT_DEADLINE_MS);
    await boundedDisconnect(consumer);
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
}
