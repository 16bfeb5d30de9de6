/** Exponential backoff before attempt `attempt + 1`: initial, 2×, 4×, … capped at max. */
export function retryBackoffMs(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
}
