import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';

/** One key of a compacted current-state topic, as it stands at the high-water marks. */
export interface CurrentStateEntry {
  resourceId: string;
  /** The resource (SCIM JSON); null when the latest record is a tombstone. */
  value: Record<string, unknown> | null;
  /** The resource version its `meta.version` names (`W/"4"` → 4); null for tombstones or when absent. */
  version: number | null;
}

export interface ReadCurrentStateOptions {
  /** Only keys `<tenantId>:…` are kept (the topic holds every tenant). */
  tenantId: string;
  /** Give up (throw) when the end is not reached within this long. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 120_000;

/** `W/"4"` (or `"4"`, or 4) → 4; anything else → null. */
export function versionOfResource(value: Record<string, unknown> | null): number | null {
  const meta = value?.meta;
  const raw = typeof meta === 'object' && meta !== null ? (meta as { version?: unknown }).version : undefined;
  if (typeof raw === 'number' && Number.isSafeInteger(raw)) return raw;
  const match = typeof raw === 'string' ? /^(?:W\/)?"?(\d+)"?$/.exec(raw) : null;
  return match ? Number(match[1]) : null;
}

/**
 * Reads a compacted current-state topic (idsync.identity.users.v1 / groups.v1) from the beginning
 * up to the high-water marks noted first — the bootstrap recipe of docs/EVENTS.md — with a
 * throwaway consumer group that commits nothing and is deleted afterwards. Later records win;
 * a tombstone leaves the key with value null. Bounded: every partition ends at its noted mark.
 */
export async function readCurrentState(kafka: Kafka, topic: string, options: ReadCurrentStateOptions): Promise<Map<string, CurrentStateEntry>> {
  return (await readCurrentStates(kafka, [topic], options)).get(topic) as Map<string, CurrentStateEntry>;
}

/** Several compacted topics in one pass (one consumer group join instead of one per topic). */
export async function readCurrentStates(kafka: Kafka, topics: string[], options: ReadCurrentStateOptions): Promise<Map<string, Map<string, CurrentStateEntry>>> {
  const prefix = `${options.tenantId}:`;
  const states = new Map(topics.map((t) => [t, new Map<string, CurrentStateEntry>()]));
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `idsync-reconcile-${randomUUID()}`;
  try {
    // Partitions still to read ("topic/partition"): last offset to reach (high-water mark − 1).
    const remaining = new Map<string, bigint>();
    for (const topic of topics) {
      for (const o of await admin.fetchTopicOffsets(topic)) if (BigInt(o.high) > BigInt(o.low)) remaining.set(`${topic}/${o.partition}`, BigInt(o.high) - 1n);
    }
    if (remaining.size === 0) return states;

    const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
    await consumer.connect();
    try {
      let finish: () => void = () => undefined;
      const done = new Promise<void>((resolve) => (finish = resolve));
      await consumer.subscribe({ topics, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ topic, partition, message }) => {
          const last = remaining.get(`${topic}/${partition}`);
          if (last === undefined) return;
          const key = message.key?.toString('utf8') ?? '';
          if (key.startsWith(prefix)) {
            const value = message.value === null ? null : (JSON.parse(message.value.toString('utf8')) as Record<string, unknown>);
            states.get(topic)?.set(key, { resourceId: key.slice(prefix.length), value, version: versionOfResource(value) });
          }
          if (BigInt(message.offset) >= last) {
            remaining.delete(`${topic}/${partition}`);
            if (remaining.size === 0) finish();
          }
        },
      });
      let timer: NodeJS.Timeout | undefined;
      const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${topics.join(', ')}: end of ${remaining.size} partition(s) not reached within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([done, deadline]);
      } finally {
        clearTimeout(timer);
      }
    } finally {
      await consumer.disconnect();
    }
    await admin.deleteGroups([groupId]).catch(() => undefined);
    return states;
  } finally {
    await admin.disconnect();
  }
}
