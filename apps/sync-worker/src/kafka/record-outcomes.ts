import { Injectable } from '@nestjs/common';

interface PendingOutcome {
  resolve: () => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Links a record's consumer call to work a saga does for it later. The EventBus does not await
 * sagas, yet the offset may be committed only once that work (e.g. the dead letter) is durable:
 * the command handler registers the record here before publishing the event and awaits the
 * outcome; the saga's command settles it. A timeout turns a lost outcome into a retried record.
 */
@Injectable()
export class RecordOutcomes {
  private readonly pending = new Map<string, PendingOutcome>();

  expect(coordinates: string, timeoutMs = 60_000): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(coordinates);
        reject(new Error(`no outcome for ${coordinates} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(coordinates, { resolve, reject, timer });
    });
  }

  settle(coordinates: string, error?: Error): void {
    const outcome = this.pending.get(coordinates);
    if (!outcome) return;
    this.pending.delete(coordinates);
    clearTimeout(outcome.timer);
    if (error) outcome.reject(error);
    else outcome.resolve();
  }
}
