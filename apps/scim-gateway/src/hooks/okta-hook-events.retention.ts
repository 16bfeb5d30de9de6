import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OktaHooksConfig } from './okta-hooks.config';

const PURGE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Forgets accepted event uuids after OKTA_HOOK_DEDUPE_RETENTION_HOURS (Okta retries within
 * minutes), hourly and in bounded batches. Every replica may run it; deletes are idempotent.
 */
@Injectable()
export class OktaHookEventsRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OktaHookEventsRetention.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: DataSource,
    private readonly config: OktaHooksConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.purge().catch((err: unknown) => this.logger.warn(`okta_hook_events purge failed: ${String(err)}`)), PURGE_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async purge(batchSize = 10_000): Promise<number> {
    let total = 0;
    for (;;) {
      const [, deleted] = (await this.db.query(
        `DELETE FROM okta_hook_events WHERE ctid IN (
           SELECT ctid FROM okta_hook_events WHERE received_at < now() - make_interval(hours => $1) LIMIT $2)`,
        [this.config.OKTA_HOOK_DEDUPE_RETENTION_HOURS, batchSize],
      )) as [unknown, number];
      total += deleted;
      if (deleted < batchSize) return total;
    }
  }
}
