import { setTimeout as sleep } from 'node:timers/promises';
import { isInfrastructureError } from './infrastructure-errors';

/** Exponential backoff before attempt `attempt + 1`: initial, 2×, 4×, … capped at max. */
export function retryBackoffMs(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
}

export interface RecordRetryPolicy {
  WORKER_MAX_ATTEMPTS: number;
  WORKER_RETRY_INITIAL_MS: number;
  WORKER_RETRY_MAX_MS: number;
}

export interface RetryHooks {
  /** Every failed attempt; `infrastructure` says whether it counted against the budget (false) or not (true). */
  onFailure: (attemptNumber: number, error: Error, infrastructure: boolean) => void;
  heartbeat: () => Promise<void>;
}

/** The worker is stopping: the record was neither processed nor dead-lettered and will be redelivered. */
export class WorkerStoppingError extends Error {
  constructor() {
    super('sync-worker is shutting down; the record stays uncommitted and is redelivered');
    this.name = 'WorkerStoppingError';
  }
}

/**
 * Runs `attempt` until it succeeds, with exponential backoff (capped at WORKER_RETRY_MAX_MS),
 * heartbeating the consumer after each backoff so a long wait does not cost the group membership.
 *
 * Only failures that are not infrastructure outages (isInfrastructureError) count against
 * WORKER_MAX_ATTEMPTS: once that many are spent, resolves the last error (the caller
 * dead-letters). A broker or database outage is retried for as long as it lasts — dead-lettering
 * a good record because Kafka restarted would lose a change for its subscribers.
 *
 * `stopping` (aborted when the app shuts down) ends the wait at once with WorkerStoppingError:
 * the caller's rejection leaves the offset uncommitted, so another replica (or this one after
 * its restart) processes the record; the ledger dedupes if the last attempt got through.
 */
export async function attemptWithBackoff(
  policy: RecordRetryPolicy,
  attempt: () => Promise<void>,
  hooks: RetryHooks,
  stopping?: AbortSignal,
): Promise<Error | undefined> {
  let budgetSpent = 0;
  for (let n = 1; ; n++) {
    if (stopping?.aborted) throw new WorkerStoppingError();
    try {
      await attempt();
      return undefined;
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      const infrastructure = isInfrastructureError(error);
      if (!infrastructure) budgetSpent++;
      hooks.onFailure(n, error, infrastructure);
      if (budgetSpent >= policy.WORKER_MAX_ATTEMPTS) return error;
      try {
        await sleep(retryBackoffMs(n, policy.WORKER_RETRY_INITIAL_MS, policy.WORKER_RETRY_MAX_MS), undefined, stopping ? { signal: stopping } : undefined);
      } catch {
        throw new WorkerStoppingError();
      }
      // A failed heartbeat (rebalance) only means the offset commit may fail and the record
      // comes back — the ledger dedupes it. With the broker down a heartbeat can hang for
      // kafkajs's own retries, so shutdown does not wait for it.
      await untilStopped(hooks.heartbeat().catch(() => undefined), stopping);
    }
  }
}

function untilStopped(work: Promise<void>, stopping: AbortSignal | undefined): Promise<void> {
  if (!stopping) return work;
  if (stopping.aborted) return Promise.reject(new WorkerStoppingError());
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(new WorkerStoppingError());
    stopping.addEventListener('abort', onAbort, { once: true });
    void work.then(() => {
      stopping.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
