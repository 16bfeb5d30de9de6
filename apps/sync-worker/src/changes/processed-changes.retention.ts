import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { WorkerConfig } from '../config/worker.config';
import { ProcessedChangesLedger } from './processed-changes.ledger';

const PURGE_EVERY_MS = 60 * 60 * 1000;

/** Keeps the dedupe ledger bounded: hourly, rows older than WORKER_LEDGER_RETENTION_HOURS go. */
@Injectable()
export class ProcessedChangesRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProcessedChangesRetention.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ledger: ProcessedChangesLedger,
    private readonly config: WorkerConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.purge(), PURGE_EVERY_MS);
    this.timer.unref();
  }

  async purge(): Promise<number> {
    try {
      const deleted = await this.ledger.purgeOlderThan(this.config.WORKER_LEDGER_RETENTION_HOURS);
      if (deleted > 0) this.logger.log(`purged ${deleted} dedupe ledger rows`);
      return deleted;
    } catch (err) {
      this.logger.warn(`ledger purge failed: ${err instanceof Error ? err.message : String(err)}`);
      return 0;
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
