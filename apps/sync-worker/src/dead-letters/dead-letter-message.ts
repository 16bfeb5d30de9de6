import type { Message } from 'kafkajs';
import { DEAD_LETTER_HEADERS } from '@idsync/contracts';
import type { ReceivedRecord } from '../kafka/received-record';

/** Longest error text kept in a header (headers count against the broker's message size limit). */
const MAX_ERROR_LENGTH = 1_000;

/** The dead letter of a record: its original key, value and headers plus where it came from and why it failed. */
export function deadLetterMessage(record: ReceivedRecord, reason: string, failedAt: Date): Message {
  return {
    key: record.key,
    value: record.value,
    headers: {
      ...record.headers,
      [DEAD_LETTER_HEADERS.error]: reason.slice(0, MAX_ERROR_LENGTH),
      [DEAD_LETTER_HEADERS.originalTopic]: record.topic,
      [DEAD_LETTER_HEADERS.originalPartition]: String(record.partition),
      [DEAD_LETTER_HEADERS.originalOffset]: record.offset,
      [DEAD_LETTER_HEADERS.failedAt]: failedAt.toISOString(),
    },
  };
}
