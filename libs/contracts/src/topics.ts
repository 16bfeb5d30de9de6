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

const compacted = [
  { name: 'cleanup.policy', value: 'compact' },
  { name: 'min.compaction.lag.ms', value: '60000' },
  { name: 'delete.retention.ms', value: '86400000' },
];

/** Partition counts and configs used when the apps create missing topics at start-up. */
export function topicDefinitions(prefix?: string, partitions = 6): TopicDefinition[] {
  return [
    { name: topicName(TOPICS.scimChanges, prefix), numPartitions: partitions },
    { name: topicName(TOPICS.oktaEvents, prefix), numPartitions: partitions },
    { name: topicName(TOPICS.identityEvents, prefix), numPartitions: partitions },
    { name: topicName(TOPICS.users, prefix), numPartitions: partitions, configEntries: compacted },
    { name: topicName(TOPICS.groups, prefix), numPartitions: partitions, configEntries: compacted },
    { name: topicName(TOPICS.deadLetter, prefix), numPartitions: 1 },
  ];
}
