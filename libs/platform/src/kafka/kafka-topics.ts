import type { Admin, ITopicConfig } from 'kafkajs';

export interface TopicSpec {
  name: string;
  numPartitions: number;
  configEntries?: Array<{ name: string; value: string }>;
}

// Metadata of a just-created topic reaches the broker's cache a moment later; until then it answers
// UNKNOWN_TOPIC_OR_PARTITION or LEADER_NOT_AVAILABLE, which kafkajs' waitForLeaders does not retry.
const TRANSIENT_METADATA_ERRORS = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/**
 * Creates the topics that are missing (explicit partitions and configs) and waits until every
 * partition of every spec has a leader; existing topics are left as they are. Several apps may
 * call this at once: a topic another one just created counts as existing.
 */
export async function ensureTopics(admin: Admin, specs: TopicSpec[], timeoutMs = 30_000): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing: ITopicConfig[] = specs
    .filter((s) => !existing.has(s.name))
    .map((s) => ({ topic: s.name, numPartitions: s.numPartitions, replicationFactor: -1, configEntries: s.configEntries }));
  if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: false });
  await waitForLeaders(admin, specs.map((s) => s.name), timeoutMs);
  return missing.map((t) => t.topic);
}

async function waitForLeaders(admin: Admin, topics: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
      if (metadata.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    } catch (err) {
      if (!TRANSIENT_METADATA_ERRORS.has((err as { type?: string }).type ?? '') || Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline) throw new Error(`topics ${topics.join(', ')} have no leaders after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
