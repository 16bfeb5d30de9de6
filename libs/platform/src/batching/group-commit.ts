/**
 * Group commit: callers submit one item each and await its result; items submitted while a flush
 * is running wait and go out together in the next one. An idle batcher flushes at once (no added
 * latency); under load one flush (one database statement, one Kafka request) serves many callers,
 * which is what per-item round trips cannot do. `flush` gets the items in submission order and
 * returns one result per item (same order), or throws — then, with `isolateFailures` (default),
 * each item of that batch is flushed again on its own, so one bad item fails only its caller;
 * without it (a Kafka request: every item would just wait out the same outage again) all fail.
 */
export class GroupCommit<I, O> {
  private queue: Array<{ item: I; resolve: (o: O) => void; reject: (e: unknown) => void }> = [];
  private flushing = false;

  constructor(
    private readonly flush: (items: I[]) => Promise<O[]>,
    private readonly opts: { maxBatch?: number; isolateFailures?: boolean } = {},
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.flushing) void this.run();
    });
  }

  private async run(): Promise<void> {
    this.flushing = true;
    // One macrotask turn lets callers resuming in the same tick join the first batch.
    await new Promise((r) => setImmediate(r));
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.opts.maxBatch ?? 500);
      try {
        const results = await this.flush(batch.map((b) => b.item));
        batch.forEach((b, i) => b.resolve(results[i]));
      } catch (err) {
        if (batch.length === 1 || this.opts.isolateFailures === false) for (const b of batch) b.reject(err);
        else {
          for (const b of batch) {
            await this.flush([b.item]).then(
              ([result]) => b.resolve(result),
              (e: unknown) => b.reject(e),
            );
          }
        }
      }
    }
    this.flushing = false;
  }
}
