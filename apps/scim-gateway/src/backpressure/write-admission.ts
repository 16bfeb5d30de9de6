/** Why a write was refused admission. */
export type ShedReason = 'queue-full' | 'queue-timeout';

export type Admission = { admitted: true; release: () => void } | { admitted: false; reason: ShedReason };

export interface WriteAdmissionLimits {
  /** Writes running at once (each holds one pooled database connection for its transaction). */
  maxConcurrent: number;
  /** Writes waiting for a slot; one more is refused at once. */
  maxQueued: number;
  /** Longest a queued write waits for a slot before it is refused. */
  maxWaitMs: number;
}

interface Waiter {
  grant: (admission: Admission) => void;
  timer: NodeJS.Timeout;
}

/**
 * Admission control for SCIM writes: a counting semaphore with a bounded FIFO queue and a short
 * deadline. Under a burst it refuses early (the caller answers 503 + Retry-After) instead of
 * letting requests pile up behind the database pool until clients time out and memory grows.
 * Plain class, no Nest: one instance per process, shared by every write route.
 */
export class WriteAdmission {
  private running = 0;
  private readonly queue: Waiter[] = [];

  constructor(readonly limits: WriteAdmissionLimits) {
    if (limits.maxConcurrent < 1) throw new Error('maxConcurrent must be at least 1');
  }

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Resolves when the write may run (call `release` exactly once when it is done) or is refused. */
  acquire(): Promise<Admission> {
    if (this.running < this.limits.maxConcurrent) {
      this.running++;
      return Promise.resolve(this.granted());
    }
    if (this.queue.length >= this.limits.maxQueued) return Promise.resolve({ admitted: false, reason: 'queue-full' });
    return new Promise<Admission>((resolve) => {
      const waiter: Waiter = {
        grant: resolve,
        timer: setTimeout(() => {
          const at = this.queue.indexOf(waiter);
          if (at >= 0) this.queue.splice(at, 1);
          resolve({ admitted: false, reason: 'queue-timeout' });
        }, this.limits.maxWaitMs),
      };
      this.queue.push(waiter);
    });
  }

  private granted(): Admission {
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        this.handOver();
      },
    };
  }

  /** A finished write passes its slot straight to the oldest waiter (the running count stays). */
  private handOver(): void {
    const next = this.queue.shift();
    if (!next) {
      this.running--;
      return;
    }
    clearTimeout(next.timer);
    next.grant(this.granted());
  }
}
