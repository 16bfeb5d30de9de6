import { setTimeout as sleep } from 'node:timers/promises';

/** Exponential backoff before attempt `attempt + 1`: initial, 2×, 4×, … capped at max. */
export function retryBackoffMs(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
}

export interface RecordRetryPolicy {
  WORKER_MAX_ATTEMPTS: number;
  WORKER_RETRY_INITIAL_MS: number;
  WORKER_RETRY_MAX_MS: number;
}

/**
 * Runs `attempt` up to WORKER_MAX_ATTEMPTS times with exponential backoff, heartbeating the
 * consumer after each backoff so a long wait does not cost the group membership. Resolves
 * undefined on success, or the last error once the attempts are spent (the caller dead-letters).
 */
export async function attemptWithBackoff(
  policy: RecordRetryPolicy,
  attempt: () => Promise<void>,
  hooks: { onFailure: (attemptNumber: number, error: Error) => void; heartbeat: () => Promise<void> },
): Promise<Error | undefined> {
  let lastError = new Error('not attempted');
  for (let n = 1; n <= policy.WORKER_MAX_ATTEMPTS; n++) {
    try {
      await attempt();
      return undefined;
    } catch (err) {
      lastError = err instanceof Error ? err : new Error(String(err));
      hooks.onFailure(n, lastError);
      if (n < policy.WORKER_MAX_ATTEMPTS) {
        await sleep(retryBackoffMs(n, policy.WORKER_RETRY_INITIAL_MS, policy.WORKER_RETRY_MAX_MS));
        // A failed heartbeat (rebalance) only means the offset commit may fail and the record
        // comes back — the ledger dedupes it.
        await hooks.heartbeat().catch(() => undefined);
      }
    }
  }
  return lastError;
}
