/**
 * The retry schedule: `delaysMs[i]` is the wait before attempt i+1 (the first is normally 0,
 * i.e. immediately). After `maxAttempts` attempts a delivery is failed (dead-lettered).
 */
export class RetrySchedule {
  private constructor(
    readonly delaysMs: readonly number[],
    private readonly jitterRatio: number,
  ) {}

  static parse(setting: string, jitterRatio: number): RetrySchedule {
    const delays = setting.split(',').map((s) => Number(s.trim()));
    if (delays.length === 0 || delays.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      throw new Error('WEBHOOK_RETRY_SCHEDULE_MS must be comma-separated non-negative milliseconds');
    }
    return new RetrySchedule(delays, jitterRatio);
  }

  get maxAttempts(): number {
    return this.delaysMs.length;
  }

  /** Wait before the first attempt. */
  get initialDelayMs(): number {
    return this.delaysMs[0];
  }

  /** Wait before the next attempt once `attemptsMade` have failed; undefined when none is left. */
  delayAfter(attemptsMade: number, random: () => number = Math.random): number | undefined {
    if (attemptsMade >= this.maxAttempts) return undefined;
    const base = this.delaysMs[attemptsMade];
    return Math.round(base + base * this.jitterRatio * random());
  }
}
