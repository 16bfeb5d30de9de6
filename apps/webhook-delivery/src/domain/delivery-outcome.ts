import type { RetrySchedule } from './retry-schedule';

/** What one HTTP attempt produced. */
export interface AttemptResult {
  startedAt: Date;
  durationMs: number;
  statusCode?: number;
  /** Transport failure (refused address, timeout, connection error); undefined when a response arrived. */
  error?: string;
  /** The first WEBHOOK_RESPONSE_BODY_MAX_BYTES of the response body. */
  responseBody?: string;
}

export type DeliveryOutcome =
  | { kind: 'delivered' }
  /** 410 Gone: the receiver asks us to stop; the subscription is disabled. */
  | { kind: 'endpoint-gone' }
  | { kind: 'retry'; delayMs: number }
  /** The schedule is exhausted: dead-lettered, until a replay. */
  | { kind: 'failed' };

/** 2xx delivered; 410 disables; anything else (3xx included: redirects are not followed) retries. */
export function decideOutcome(result: AttemptResult, attemptsMade: number, schedule: RetrySchedule): DeliveryOutcome {
  const code = result.statusCode;
  if (result.error === undefined && code !== undefined && code >= 200 && code < 300) return { kind: 'delivered' };
  if (result.error === undefined && code === 410) return { kind: 'endpoint-gone' };
  const delayMs = schedule.delayAfter(attemptsMade);
  return delayMs === undefined ? { kind: 'failed' } : { kind: 'retry', delayMs };
}

/** An endpoint that has failed every attempt since `failingSince` for at least `thresholdMs` (0: never) is disabled. */
export function failingTooLong(failingSince: Date, now: Date, thresholdMs: number): boolean {
  return thresholdMs > 0 && now.getTime() - failingSince.getTime() >= thresholdMs;
}
