import { Kafka, logLevel, type IHeaders } from 'kafkajs';
import { readTopicRange, TopicNotFoundError, type TopicRangeRecord } from '@idsync/platform';
import { testKafkaBrokers } from '@idsync/testing';

/** A record as a test reads it back: coordinates plus the raw key, value and headers. */
export type ReadRecord = TopicRangeRecord;

export function testKafka(clientId = 'contracts-test'): Kafka {
  return new Kafka({ clientId, brokers: testKafkaBrokers().split(','), logLevel: logLevel.NOTHING, retry: { retries: 5 } });
}

/**
 * Reads `topics` from the beginning (readTopicRange: up to the marks at each attempt) until
 * `done(records)` holds, re-reading for records (or topics) still on their way; fails after `timeoutMs`
 * naming what it waited for and what it had.
 */
export async function readTopicsUntil(
  kafka: Kafka,
  topics: string[],
  done: (records: ReadRecord[]) => boolean,
  { timeoutMs = 30_000, what = 'records' } = {},
): Promise<ReadRecord[]> {
  const deadline = Date.now() + timeoutMs;
  let records: ReadRecord[] = [];
  while (Date.now() < deadline) {
    try {
      records = await readTopicRange(kafka, topics, { groupIdPrefix: 'contracts-reader', timeoutMs: Math.max(deadline - Date.now(), 1), consumer: { maxWaitTimeInMs: 200 } });
      if (done(records)) return records;
    } catch (err) {
      if (!(err instanceof TopicNotFoundError)) throw err; // not created yet: like no records yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; read ${records.length} record(s)`);
}

/** A header value as text (kafkajs hands headers back as Buffers). */
export function headerText(headers: IHeaders, name: string): string | undefined {
  const value = headers[name];
  const single = Array.isArray(value) ? value[value.length - 1] : value;
  if (single === undefined) return undefined;
  return Buffer.isBuffer(single) ? single.toString('utf8') : single;
}
