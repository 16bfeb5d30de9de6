import type { Admin, ITopicConfig } from 'kafkajs';

export interface TopicSpec {
  name: string;
  numPartitions: number;
  configEntries?: Array<{ name: string; value: string }>;
}

/** Creates the topics that are missing (explicit partitions and configs); existing ones are left as they are. */
export async function ensureTopics(admin: Admin, specs: TopicSpec[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing: ITopicConfig[] = specs
    .filter((s) => !existing.has(s.name))
    .map((s) => ({ topic: s.name, numPartitions: s.numPartitions, replicationFactor: -1, configEntries: s.configEntries }));
  if (missing.length === 0) return [];
  await admin.createTopics({ topics: missing, waitForLeaders: true });
  return missing.map((t) => t.topic);
}
