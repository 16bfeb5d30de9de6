import { Injectable, Logger, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AccessGrantStore } from './access-grant.store';

const SWEEP_INTERVAL_MS = 60_000;

/**
 * Writes the audit record of each just-in-time grant that lapsed (the lapse itself needs no job:
 * requests check expires_at). Runs once a minute in each replica; SKIP LOCKED keeps it single.
 */
@Injectable()
export class AccessGrantSweeper implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(AccessGrantSweeper.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(@Optional() private readonly db?: DataSource) {}

  onModuleInit(): void {
    if (!this.db) return;
    const grants = new AccessGrantStore(this.db);
    this.timer = setInterval(() => {
      grants.recordLapsed().catch((err: unknown) => this.logger.warn(`access grant sweep failed: ${(err as Error).message}`));
    }, SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
