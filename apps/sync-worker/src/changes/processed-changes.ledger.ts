import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ScimChangeRecord } from '@idsync/contracts';
import { GroupCommit } from '@idsync/platform';
import type { ReceivedRecord } from '../kafka/received-record';

interface LedgerRow {
  consumerGroup: string;
  changeId: string;
  tenantId: string;
  topic: string;
  partition: number;
  offset: string;
  eventCount: number;
}

/**
 * worker_processed_changes: which change ids this consumer group has already published.
 * Partitions are processed concurrently, each one record at a time: the lookups and inserts of
 * records in flight at the same moment share one statement each (group commit), instead of a
 * round trip per record.
 */
@Injectable()
export class ProcessedChangesLedger {
  private readonly lookups = new GroupCommit<{ consumerGroup: string; changeId: string }, boolean>((items) => this.lookupMany(items));
  private readonly inserts = new GroupCommit<LedgerRow, void>((rows) => this.insertMany(rows));

  constructor(private readonly db: DataSource) {}

  isProcessed(consumerGroup: string, changeId: string): Promise<boolean> {
    return this.lookups.submit({ consumerGroup, changeId });
  }

  /** Idempotent: a concurrent duplicate (another replica after a rebalance) leaves the first row. */
  markProcessed(consumerGroup: string, change: Pick<ScimChangeRecord, 'changeId' | 'tenantId'>, record: ReceivedRecord, eventCount: number): Promise<void> {
    return this.inserts.submit({ consumerGroup, changeId: change.changeId, tenantId: change.tenantId, topic: record.topic, partition: record.partition, offset: record.offset, eventCount });
  }

  private async lookupMany(items: Array<{ consumerGroup: string; changeId: string }>): Promise<boolean[]> {
    const rows: Array<{ consumer_group: string; change_id: string }> = await this.db.query(
      `SELECT l.consumer_group, l.change_id FROM worker_processed_changes l
       JOIN unnest($1::text[], $2::text[]) AS k(consumer_group, change_id) ON l.consumer_group = k.consumer_group AND l.change_id = k.change_id`,
      [items.map((i) => i.consumerGroup), items.map((i) => i.changeId)],
    );
    const found = new Set(rows.map((r) => `${r.consumer_group}\u0000${r.change_id}`));
    return items.map((i) => found.has(`${i.consumerGroup}\u0000${i.changeId}`));
  }

  private async insertMany(rows: LedgerRow[]): Promise<void[]> {
    await this.db.query(
      `INSERT INTO worker_processed_changes (consumer_group, change_id, tenant_id, source_topic, source_partition, source_offset, event_count)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::bigint[], $7::int[])
       ON CONFLICT (consumer_group, change_id) DO NOTHING`,
      [
        rows.map((r) => r.consumerGroup), rows.map((r) => r.changeId), rows.map((r) => r.tenantId), rows.map((r) => r.topic),
        rows.map((r) => r.partition), rows.map((r) => r.offset), rows.map((r) => r.eventCount),
      ],
    );
    return rows.map(() => undefined);
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
