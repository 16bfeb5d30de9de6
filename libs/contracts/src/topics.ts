/**
 * Kafka topics of idsync. Names are versioned; a deployment may prefix them (KAFKA_TOPIC_PREFIX)
 * so several installations can share one cluster.
 */
export const TOPICS = {
  /** Raw committed changes from the gateway's outbox (internal; sync-worker consumes it). */
  scimChanges: 'idsync.scim.changes.v1',
  /** Accepted Okta Event Hook events from the gateway's outbox (internal; sync-worker consumes it). */
  oktaEvents: 'idsync.okta.events.v1',
  /** The public, canonical CloudEvents stream. */
  identityEvents: 'idsync.identity.events.v1',
  /** Compacted current state, keyed by tenant + id; tombstone on delete. */
  users: 'idsync.identity.users.v1',
  groups: 'idsync.identity.groups.v1',
  /** Records that could not be processed, with the error and original headers. */
  deadLetter: 'idsync.deadletter.v1',
} as const;

export type TopicKey = keyof typeof TOPICS;

export function topicName(base: string, prefix: string = process.env.KAFKA_TOPIC_PREFIX ?? ''): string {
  return prefix ? `${prefix}.${base}` : base;
}

export interface TopicDefinition {
  name: string;
  numPartitions: number;
  configEntries?: Array<{ name: string; value: string }>;
}

/**
 * Largest record batch (after compression) the topic accepts: 16 MiB instead of the broker's
 * 1 MB default. One record can legitimately be large: a group of 10,000+ members is ~1.5 MB of
 * JSON on the raw changes topic, in group.created/updated/snapshot and on the groups topic (and
 * it is copied as is to the dead-letter topic if it fails). kafkajs consumers still fetch it:
 * the broker returns the first batch of a partition even when it exceeds the fetch's maxBytes.
 */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

const largeRecords = [{ name: 'max.message.bytes', value: String(MAX_MESSAGE_BYTES) }];

const compacted = [
  { name: 'cleanup.policy', value: 'compact' },
  { name: 'min.compaction.lag.ms', value: '60000' },
  { name: 'delete.retention.ms', value: '86400000' },
  ...largeRecords,
];

/**
 * Partition counts and configs used when the apps create missing topics at start-up (and
 * `max.message.bytes`, which they raise on existing topics when lower).
 */
export function topicDefinitions(prefix?: string, partitions = 6): TopicDefinition[] {
  return [
    { name: topicName(TOPICS.scimChanges, prefix), numPartitions: partitions, configEntries: largeRecords },
    { name: topicName(TOPICS.oktaEvents, prefix), numPartitions: partitions },
    { name: topicName(TOPICS.identityEvents, prefix), numPartitions: partitions, configEntries: largeRecords },
    { name: topicName(TOPICS.users, prefix), numPartitions: partitions, configEntries: compacted },
    { name: topicName(TOPICS.groups, prefix), numPartitions: partitions, configEntries: compacted },
    { name: topicName(TOPICS.deadLetter, prefix), numPartitions: 1, configEntries: largeRecords },
  ];
}
