import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type IHeaders } from 'kafkajs';
import { testKafkaBrokers } from '@idsync/testing';

/** A record as a test reads it back: coordinates plus the raw key, value and headers. */
export interface ReadRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}

export function testKafka(clientId = 'contracts-test'): Kafka {
  return new Kafka({ clientId, brokers: testKafkaBrokers().split(','), logLevel: logLevel.NOTHING, retry: { retries: 5 } });
}

/**
 * Reads `topics` from the beginning with a consumer group of its own until `done(records)` holds,
 * then disconnects; fails after `timeoutMs` naming what it waited for and what it had.
 */
export async function readTopicsUntil(
  kafka: Kafka,
  topics: string[],
  done: (records: ReadRecord[]) => boolean,
  { timeoutMs = 30_000, what = 'records' } = {},
): Promise<ReadRecord[]> {
  const consumer = kafka.consumer({ groupId: `contracts-reader-${randomUUID()}`, maxWaitTimeInMs: 200 });
  const records: ReadRecord[] = [];
  let satisfied: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (satisfied = resolve));
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        records.push({ topic, partition, offset: message.offset, key: message.key, value: message.value, headers: message.headers ?? {} });
        if (done(records)) satisfied();
      },
    });
    await Promise.race([
      finished,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; read ${records.length} record(s)`)), timeoutMs);
      }),
    ]);
    return records;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
}

/** A header value as text (kafkajs hands headers back as Buffers). */
export function headerText(headers: IHeaders, name: string): string | undefined {
  const value = headers[name];
  const single = Array.isArray(value) ? value[value.length - 1] : value;
  if (single === undefined) return undefined;
  return Buffer.isBuffer(single) ? single.toString('utf8') : single;
}
