import { ConfigResourceTypes, ConfigSource, type Admin, type ITopicConfig } from 'kafkajs';

export interface TopicSpec {
  name: string;
  numPartitions: number;
  configEntries?: Array<{ name: string; value: string }>;
}

// Metadata of a just-created topic reaches the broker's cache a moment later; until then it answers
// UNKNOWN_TOPIC_OR_PARTITION or LEADER_NOT_AVAILABLE, which kafkajs' waitForLeaders does not retry.
const TRANSIENT_METADATA_ERRORS = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/**
 * Numeric configs an existing topic is brought up to when lower than its spec (never lowered):
 * records the apps now produce could otherwise be refused. Other configs of an existing topic
 * (partitions, cleanup policy…) are the operator's and stay as they are.
 */
const RAISED_ON_EXISTING_TOPICS = ['max.message.bytes'];

export interface RaisedTopicConfig {
  topic: string;
  config: string;
  from: string;
  to: string;
}

export interface EnsuredTopics {
  created: string[];
  raised: RaisedTopicConfig[];
}

/**
 * Creates the topics that are missing (explicit partitions and configs), raises
 * RAISED_ON_EXISTING_TOPICS of existing ones up to their spec, and waits until every partition
 * of every spec has a leader. Several apps may call this at once: a topic another one just
 * created counts as existing, and raising twice to the same value is harmless.
 */
export async function ensureTopics(admin: Admin, specs: TopicSpec[], timeoutMs = 30_000): Promise<EnsuredTopics> {
  const existing = new Set(await admin.listTopics());
  const missing: ITopicConfig[] = specs
    .filter((s) => !existing.has(s.name))
    .map((s) => ({ topic: s.name, numPartitions: s.numPartitions, replicationFactor: -1, configEntries: s.configEntries }));
  if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: false });
  const raised = await raiseConfigs(admin, specs.filter((s) => existing.has(s.name)));
  await waitForLeaders(admin, specs.map((s) => s.name), timeoutMs);
  return { created: missing.map((t) => t.topic), raised };
}

async function raiseConfigs(admin: Admin, existingSpecs: TopicSpec[]): Promise<RaisedTopicConfig[]> {
  const wanted = existingSpecs
    .map((s) => ({ name: s.name, entries: (s.configEntries ?? []).filter((e) => RAISED_ON_EXISTING_TOPICS.includes(e.name)) }))
    .filter((s) => s.entries.length > 0);
  if (wanted.length === 0) return [];
  const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: wanted.map((s) => ({ type: ConfigResourceTypes.TOPIC, name: s.name })) });
  const raised: RaisedTopicConfig[] = [];
  for (const spec of wanted) {
    const current = resources.find((r) => r.resourceName === spec.name)?.configEntries ?? [];
    const valueOf = (name: string) => current.find((e) => e.configName === name)?.configValue;
    const changes = spec.entries.filter((e) => !(Number(valueOf(e.name)) >= Number(e.value)));
    if (changes.length === 0) continue;
    // AlterConfigs is not incremental: it replaces every topic-level (dynamic) config, so the
    // topic's own entries go along unchanged, next to the raised ones.
    const kept = current
      .filter((e) => e.configSource === ConfigSource.TOPIC_CONFIG && !changes.some((c) => c.name === e.configName))
      .map((e) => ({ name: e.configName, value: e.configValue }));
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: spec.name, configEntries: [...kept, ...changes] }] });
    raised.push(...changes.map((c) => ({ topic: spec.name, config: c.name, from: valueOf(c.name) ?? 'unknown', to: c.value })));
  }
  return raised;
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
