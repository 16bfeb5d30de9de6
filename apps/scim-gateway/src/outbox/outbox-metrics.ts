import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Gauge } from 'prom-client';
import type { DataSource } from 'typeorm';

/** Rows counted at most: past this the backlog reads as the cap (counting millions on every scrape would cost more than it tells). */
export const OUTBOX_BACKLOG_COUNT_CAP = 1_000_000;

interface OutboxStats {
  backlog: number;
  oldestSeconds: number;
}

const sources = new Set<() => Promise<OutboxStats | undefined>>();

/** Stats of every running gateway in this process; one whose database does not answer is left out. */
async function collectStats(): Promise<OutboxStats[]> {
  const stats = await Promise.all([...sources].map((s) => s()));
  return stats.filter((s): s is OutboxStats => s !== undefined);
}

// Module-level: prom-client's registry is process-wide, and tests start the app more than once.
export const outboxBacklog = new Gauge({
  name: 'idsync_outbox_backlog',
  help: `Outbox rows committed but not yet published to Kafka (counted up to ${OUTBOX_BACKLOG_COUNT_CAP})`,
  async collect() {
    const stats = await collectStats();
    if (stats.length) this.set(Math.max(...stats.map((s) => s.backlog)));
  },
});

export const outboxOldestAge = new Gauge({
  name: 'idsync_outbox_oldest_unpublished_seconds',
  help: 'Age of the oldest outbox row not yet published to Kafka (0 when the outbox is drained)',
  async collect() {
    const stats = await collectStats();
    if (stats.length) this.set(Math.max(...stats.map((s) => s.oldestSeconds)));
  },
});

/**
 * Feeds the outbox gauges from this app's database when Prometheus scrapes. Both queries use the
 * partial index on unpublished rows (ix_outbox_unpublished), so a drained outbox costs nothing.
 */
@Injectable()
export class OutboxMetrics implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxMetrics.name);
  // A scrape must not fail because PostgreSQL is down (/metrics would answer 500 and every other
  // series would be lost with it): the gauges then keep their last values and a warning is logged.
  private readonly source = () =>
    this.stats().catch((err: unknown) => {
      this.logger.warn(`outbox metrics unavailable: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    });

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  onModuleInit(): void {
    sources.add(this.source);
  }

  onApplicationShutdown(): void {
    sources.delete(this.source);
  }

  async stats(): Promise<OutboxStats> {
    const [row] = (await this.dataSource.query(
      `SELECT (SELECT count(*) FROM (SELECT 1 FROM outbox WHERE published_at IS NULL LIMIT $1) capped)::int AS backlog,
              COALESCE((SELECT EXTRACT(EPOCH FROM now() - created_at) FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT 1), 0)::float8 AS oldest`,
      [OUTBOX_BACKLOG_COUNT_CAP],
    )) as { backlog: number; oldest: number }[];
    return { backlog: row.backlog, oldestSeconds: row.oldest };
  }
}
