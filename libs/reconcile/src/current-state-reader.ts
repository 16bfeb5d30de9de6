import type { Kafka } from 'kafkajs';
import { readTopicRange } from '@idsync/platform';

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
  // Records are folded as they come (the topics hold every tenant): only this tenant's keys are kept.
  await readTopicRange(kafka, topics, {
    groupIdPrefix: 'idsync-reconcile',
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    onRecord: ({ topic, key: rawKey, value: rawValue }) => {
      const key = rawKey?.toString('utf8') ?? '';
      if (!key.startsWith(prefix)) return;
      const value = rawValue === null ? null : (JSON.parse(rawValue.toString('utf8')) as Record<string, unknown>);
      states.get(topic)?.set(key, { resourceId: key.slice(prefix.length), value, version: versionOfResource(value) });
    },
  });
  return states;
}
