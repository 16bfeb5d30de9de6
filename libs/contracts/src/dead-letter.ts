/**
 * idsync.deadletter.v1: a record that could not be processed, copied with its original key, value
 * and headers plus these headers (values UTF-8). The operator CLI's re-drive removes them again
 * and marks the re-produced record with REDRIVEN_FROM_HEADER.
 */
export const DEAD_LETTER_HEADERS = {
  error: 'idsync-dlq-error',
  originalTopic: 'idsync-dlq-original-topic',
  originalPartition: 'idsync-dlq-original-partition',
  originalOffset: 'idsync-dlq-original-offset',
  failedAt: 'idsync-dlq-failed-at',
} as const;

/** Every dead-letter header starts with this; nothing else does. */
export const DEAD_LETTER_HEADER_PREFIX = 'idsync-dlq-';

/** Set on a re-driven record: `<dead-letter partition>:<offset>` it was copied from. */
export const REDRIVEN_FROM_HEADER = 'idsync-redriven-from';
