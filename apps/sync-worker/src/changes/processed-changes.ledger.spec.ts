import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@idsync/persistence';
import { createTestDatabase, type TestDatabase } from '@idsync/testing';
import { ProcessedChangesLedger } from './processed-changes.ledger';

// Against the real PostgreSQL: the retention purge removes only rows older than the window.
describe(ProcessedChangesLedger.name, () => {
  let db: TestDatabase;
  let ds: DataSource;

  before(async () => {
    db = await createTestDatabase('ledger');
    ds = await new DataSource(dataSourceOptions(db.url)).initialize();
  });
  after(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('purges rows older than the retention window, in batches, and keeps recent ones', async () => {
    await ds.query(
      `INSERT INTO worker_processed_changes (consumer_group, change_id, tenant_id, source_topic, source_partition, source_offset, event_count, processed_at)
       SELECT 'g', 'old-' || i, 't', 'topic', 0, i, 1, now() - interval '20 days' FROM generate_series(1, 25) i
       UNION ALL
       SELECT 'g', 'new-' || i, 't', 'topic', 0, i, 1, now() - interval '1 hour' FROM generate_series(1, 5) i`,
    );
    const ledger = new ProcessedChangesLedger(ds);
    assert.equal(await ledger.purgeOlderThan(14 * 24, 10), 25);
    assert.equal(await ledger.isProcessed('g', 'new-3'), true);
    assert.equal(await ledger.isProcessed('g', 'old-3'), false);
  });
});
