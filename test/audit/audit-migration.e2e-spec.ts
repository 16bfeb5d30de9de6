import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditChainVerifier, AuditWriter } from '@idsync/audit';
import { MIGRATIONS, dataSourceOptions } from '@idsync/persistence';
import { createTestDatabase, type TestDatabase } from '@idsync/testing';

// The auditHashChain migration chains the audit records written before it (per tenant, in id
// order); the chain then verifies and new appends continue it.
describe('migration auditHashChain: existing audit records are chained', () => {
  let db: TestDatabase;
  let ds: DataSource;
  type Migration = { up(q: unknown): Promise<void>; down(q: unknown): Promise<void> };
  const migrationNamed = (name: string) => new (MIGRATIONS.find((m) => m.name === name) as new () => Migration)();
  const migration = migrationNamed('AuditHashChain1764800000000');
  // The later auditChainSequencer migration changes the same columns: undone first, redone after.
  const sequencer = migrationNamed('AuditChainSequencer1765600000000');

  before(async () => {
    db = await createTestDatabase('audit_migration');
    ds = new DataSource(dataSourceOptions(db.url, {}, 2));
    await ds.initialize();
  });
  after(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('chains pre-existing rows of each tenant (and tenant-less ones) so they verify, and appends continue the chain', async () => {
    const runner = ds.createQueryRunner();
    try {
      await sequencer.down(runner);
      await migration.down(runner);
      const [a, b] = [randomUUID(), randomUUID()];
      // Rows as the pre-chain AuditWriter wrote them (microsecond times, jsonb details, no diff).
      for (const [tenant, action] of [[a, 'user.create'], [b, 'tenant.create'], [a, 'user.patch'], [null, 'token.revoke'], [a, 'user.delete']] as const) {
        await ds.query(`INSERT INTO audit_log (tenant_id, actor_type, actor_id, action, resource_type, resource_id, details) VALUES ($1, 'admin', 'x', $2, 'User', 'u1', '{"version": 2, "changedAttributes": ["title"]}')`, [tenant, action]);
      }
      await migration.up(runner);
      await sequencer.up(runner);
      const rows = (await ds.query('SELECT tenant_id, seq, action FROM audit_log ORDER BY id')) as Array<{ tenant_id: string | null; seq: string; action: string }>;
      assert.deepEqual(rows.map((r) => [r.tenant_id, Number(r.seq)]), [[a, 1], [b, 1], [a, 2], [null, 1], [a, 3]]);
      assert.equal((await new AuditChainVerifier(ds).verify()).ok, true);

      await ds.transaction((tx) => AuditWriter.record(tx, { tenantId: a, actorType: 'system', actorId: 'test', action: 'user.create' }));
      assert.deepEqual((await ds.query('SELECT max(seq)::int AS seq FROM audit_log WHERE tenant_id = $1', [a]))[0], { seq: 4 });
      const report = await new AuditChainVerifier(ds).verify();
      assert.equal(report.ok, true, JSON.stringify(report.firstBreak));
      assert.equal(report.records, 6);
    } finally {
      await runner.release();
    }
  });
});
