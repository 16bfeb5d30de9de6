import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ScimChangeRecord } from '@idsync/contracts';
import type { ReceivedRecord } from '../kafka/received-record';

/** worker_processed_changes: which change ids this consumer group has already published. */
@Injectable()
export class ProcessedChangesLedger {
  constructor(private readonly db: DataSource) {}

  async isProcessed(consumerGroup: string, changeId: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query('SELECT 1 FROM worker_processed_changes WHERE consumer_group = $1 AND change_id = $2', [consumerGroup, changeId]);
    return rows.length > 0;
  }

  /** Idempotent: a concurrent duplicate (another replica after a rebalance) leaves the first row. */
  async markProcessed(consumerGroup: string, change: Pick<ScimChangeRecord, 'changeId' | 'tenantId'>, record: ReceivedRecord, eventCount: number): Promise<void> {
    await this.db.query(
      `INSERT INTO worker_processed_changes (consumer_group, change_id, tenant_id, source_topic, source_partition, source_offset, event_count)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (consumer_group, change_id) DO NOTHING`,
      [consumerGroup, change.changeId, change.tenantId, record.topic, record.partition, record.offset, eventCount],
    );
  }

  /** Deletes ledger rows older than `hours`, in bounded batches so the table is never locked for long. */
  async purgeOlderThan(hours: number, batchSize = 10_000): Promise<number> {
    let total = 0;
    for (;;) {
      const [, deleted] = (await this.db.query(
        `DELETE FROM worker_processed_changes WHERE ctid IN (
           SELECT ctid FROM worker_processed_changes WHERE processed_at < now() - make_interval(hours => $1) LIMIT $2)`,
        [hours, batchSize],
      )) as [unknown, number];
      total += deleted;
      if (deleted < batchSize) return total;
    }
  }
}
