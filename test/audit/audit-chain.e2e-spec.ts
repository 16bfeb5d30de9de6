import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditChainVerifier, AuditCheckpointer, AuditWriter, CheckpointSigner, chainPendingAuditRecords, type AuditEntry } from '@idsync/audit';
import { dataSourceOptions } from '@idsync/persistence';
import { createTestDatabase, type TestDatabase } from '@idsync/testing';

// The chain at the database level: AuditWriter appends from concurrent transactions (chained
// right after each commit by AuditChainer), and the verifier is shown each kind of tampering (through plain SQL, as an attacker with DB access would).

function entry(tenantId: string | null, n: number): AuditEntry {
  return {
    tenantId,
    actorType: 'scim-token',
    actorId: 'token-1',
    action: 'user.patch',
    resourceType: 'User',
    resourceId: `user-${n}`,
    details: { version: n, nested: { b: 2, a: [1, 'x'] } },
    changes: [{ path: 'title', before: `t${n - 1}`, after: `t${n}` }],
  };
}

describe('audit hash chain (AuditWriter, AuditChainVerifier, AuditCheckpointer)', () => {
  let db: TestDatabase;
  let ds: DataSource;

  before(async () => {
    db = await createTestDatabase('audit_chain');
    ds = new DataSource(dataSourceOptions(db.url, {}, 12));
    await ds.initialize();
  });
  after(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  /** Appends `count` records to the tenant's chain from `writers` concurrent transactions. */
  async function append(tenantId: string | null, count: number, writers = 1): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: writers }, async () => {
        while (next < count) {
          const n = ++next;
          await ds.transaction(async (tx) => {
            await AuditWriter.record(tx, entry(tenantId, n));
          });
        }
      }),
    );
  }

  const verify = (tenantId?: string | null) => new AuditChainVerifier(ds).verify(tenantId === undefined ? {} : { tenantId });

  it('concurrent writers of one tenant produce one linear chain: seq 1..n, each linking to the one before, no forks', async () => {
    const tenant = randomUUID();
    await append(tenant, 400, 8);
    const rows = (await ds.query('SELECT seq, prev_hash, hash FROM audit_log WHERE tenant_id = $1 ORDER BY seq', [tenant])) as Array<{
      seq: string;
      prev_hash: Buffer;
      hash: Buffer;
    }>;
    assert.deepEqual(rows.map((r) => Number(r.seq)), Array.from({ length: 400 }, (_, i) => i + 1));
    const prevs = new Set(rows.map((r) => r.prev_hash.toString('hex')));
    assert.equal(prevs.size, 400, 'no two records share a predecessor (a fork)');
    rows.slice(1).forEach((r, i) => assert.ok(r.prev_hash.equals(rows[i].hash), `seq ${r.seq} links to seq ${rows[i].seq}`));
    const report = await verify(tenant);
    assert.equal(report.ok, true, JSON.stringify(report.firstBreak));
    assert.equal(report.records, 400);
  });

  it('two processes (DataSources) writing one tenant at once still give one linear chain: their chaining passes take turns', async () => {
    const tenant = randomUUID();
    const other = new DataSource(dataSourceOptions(db.url, {}, 6));
    await other.initialize();
    try {
      const write = (source: DataSource, from: number) =>
        Promise.all(
          Array.from({ length: 4 }, async (_, w) => {
            for (let n = 0; n < 25; n++) await source.transaction((tx) => AuditWriter.record(tx, entry(tenant, from + w * 25 + n)));
          }),
        );
      await Promise.all([write(ds, 1), write(other, 101)]);
    } finally {
      await other.destroy();
    }
    const seqs = (await ds.query('SELECT seq FROM audit_log WHERE tenant_id = $1 ORDER BY seq', [tenant])) as Array<{ seq: string | null }>;
    assert.deepEqual(seqs.map((r) => Number(r.seq)), Array.from({ length: 200 }, (_, i) => i + 1), 'every record chained, no gap or fork');
    const report = await verify(tenant);
    assert.equal(report.ok, true, JSON.stringify(report.firstBreak));
    assert.deepEqual([report.records, report.pending], [200, 0]);
  });

  it('a rolled-back transaction leaves no gap: its append is undone with it', async () => {
    const tenant = randomUUID();
    await append(tenant, 2);
    await assert.rejects(
      ds.transaction(async (tx) => {
        await AuditWriter.record(tx, entry(tenant, 99));
        throw new Error('the change failed');
      }),
      /the change failed/,
    );
    await append(tenant, 1);
    assert.deepEqual((await ds.query('SELECT seq FROM audit_log WHERE tenant_id = $1 ORDER BY seq', [tenant])).map((r: { seq: string }) => Number(r.seq)), [1, 2, 3]);
    assert.equal((await verify(tenant)).ok, true);
  });

  it('chains in commit order: a record is linked only once its transaction commits, after records that committed before it', async () => {
    const tenant = randomUUID();
    let releaseFirst!: () => void;
    const firstMayCommit = new Promise<void>((resolve) => (releaseFirst = resolve));
    let firstInserted!: () => void;
    const firstHasInserted = new Promise<void>((resolve) => (firstInserted = resolve));
    // The first transaction inserts (lower id) and stays open while a second one commits.
    const first = ds.transaction(async (tx) => {
      await AuditWriter.record(tx, entry(tenant, 1));
      firstInserted();
      await firstMayCommit;
    });
    await firstHasInserted;
    await append(tenant, 1);
    const whileOpen = (await ds.query('SELECT resource_id, seq FROM audit_log WHERE tenant_id = $1 ORDER BY id', [tenant])) as Array<{ resource_id: string; seq: string }>;
    assert.deepEqual(whileOpen.map((r) => [r.resource_id, Number(r.seq)]), [['user-1', 1]], 'only the committed record is visible, and chained');
    releaseFirst();
    await first;
    const rows = (await ds.query('SELECT id, seq FROM audit_log WHERE tenant_id = $1 ORDER BY seq', [tenant])) as Array<{ id: string; seq: string }>;
    assert.deepEqual(rows.map((r) => Number(r.seq)), [1, 2]);
    assert.ok(BigInt(rows[1].id) < BigInt(rows[0].id), 'the later-committed record has the lower id but the later seq');
    const report = await verify(tenant);
    assert.equal(report.ok, true, JSON.stringify(report.firstBreak));
    assert.equal(report.pending, 0);
  });

  it('a committed record left unchained (its process died before the pass) is reported as pending, not as a break, and the next pass links it', async () => {
    const tenant = randomUUID();
    await append(tenant, 3);
    // What a write leaves when its process stops between COMMIT and the chaining pass.
    await ds.query(`INSERT INTO audit_log (tenant_id, occurred_at, actor_type, actor_id, action, details) VALUES ($1, date_trunc('milliseconds', now()), 'system', 'test', 'user.patch', '{}')`, [tenant]);
    const before = await verify(tenant);
    assert.equal(before.ok, true, JSON.stringify(before.firstBreak));
    assert.deepEqual([before.records, before.pending, before.chains[0].pending, before.chains[0].headSeq], [3, 1, 1, 3]);

    await append(tenant, 1);
    const after = await verify(tenant);
    assert.equal(after.ok, true, JSON.stringify(after.firstBreak));
    assert.deepEqual([after.records, after.pending, after.chains[0].headSeq], [5, 0, 5]);
    assert.equal(await chainPendingAuditRecords(ds), 0, 'nothing left to chain');
  });

  it('pinpoints an edited record (content changed, hash left alone) and one whose hash was recomputed too', async () => {
    const tenant = randomUUID();
    await append(tenant, 20);
    const [target] = (await ds.query('SELECT id FROM audit_log WHERE tenant_id = $1 AND seq = 7', [tenant])) as Array<{ id: string }>;
    await ds.query(`UPDATE audit_log SET actor_id = 'someone-else' WHERE id = $1`, [target.id]);
    const report = await verify(tenant);
    assert.equal(report.ok, false);
    assert.equal(report.firstBreak?.kind, 'hash-mismatch');
    assert.equal(report.firstBreak?.seq, 7);
    assert.equal(String(report.firstBreak?.id), String(target.id));

    // An attacker who also rewrites the edited record's hash breaks the link to the next one.
    await ds.query(`UPDATE audit_log SET hash = sha256(hash) WHERE id = $1`, [target.id]);
    const relinked = await verify(tenant);
    assert.equal(relinked.firstBreak?.seq, 7, 'the edited record itself no longer hashes to its stored hash');
  });

  it('detects an edited diff (changes) through its commitment', async () => {
    const tenant = randomUUID();
    await append(tenant, 5);
    await ds.query(`UPDATE audit_log SET changes = '[{"path":"title","before":"x","after":"y"}]' WHERE tenant_id = $1 AND seq = 3`, [tenant]);
    const report = await verify(tenant);
    assert.equal(report.firstBreak?.kind, 'changes-mismatch');
    assert.equal(report.firstBreak?.seq, 3);
  });

  it('an erased diff (changes set to NULL) still verifies: the chain commits to it through changes_hash', async () => {
    const tenant = randomUUID();
    await append(tenant, 4);
    await ds.query('UPDATE audit_log SET changes = NULL WHERE tenant_id = $1 AND seq = 2', [tenant]);
    assert.equal((await verify(tenant)).ok, true);
    await ds.query('UPDATE audit_log SET changes_hash = NULL WHERE tenant_id = $1 AND seq = 2', [tenant]);
    assert.equal((await verify(tenant)).firstBreak?.seq, 2, 'but the commitment itself cannot go');
  });

  it('detects a deleted record, two records swapped, and a truncated tail', async () => {
    const deleted = randomUUID();
    await append(deleted, 10);
    await ds.query('DELETE FROM audit_log WHERE tenant_id = $1 AND seq = 4', [deleted]);
    const gap = await verify(deleted);
    assert.equal(gap.firstBreak?.kind, 'seq-gap');
    assert.equal(gap.firstBreak?.seq, 4);

    const swapped = randomUUID();
    await append(swapped, 10);
    await ds.transaction(async (tx) => {
      await tx.query('UPDATE audit_log SET seq = -1 WHERE tenant_id = $1 AND seq = 5', [swapped]);
      await tx.query('UPDATE audit_log SET seq = 5 WHERE tenant_id = $1 AND seq = 6', [swapped]);
      await tx.query('UPDATE audit_log SET seq = 6 WHERE tenant_id = $1 AND seq = -1', [swapped]);
    });
    const reordered = await verify(swapped);
    assert.equal(reordered.ok, false);
    assert.equal(reordered.firstBreak?.seq, 5);

    const truncated = randomUUID();
    await append(truncated, 10);
    await ds.query('DELETE FROM audit_log WHERE tenant_id = $1 AND seq >= 9', [truncated]);
    const tail = await verify(truncated);
    assert.equal(tail.firstBreak?.kind, 'head-mismatch');
    assert.equal(tail.firstBreak?.seq, 8);
  });

  it('checkpoints pin the chain: a rewrite that recomputes every hash still disagrees with a signed checkpoint', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const tenant = randomUUID();
    await append(tenant, 6);
    const checkpointer = new AuditCheckpointer(ds, CheckpointSigner.fromKey(privateKey));
    assert.ok((await checkpointer.checkpointHeads()) >= 1);
    assert.equal(await checkpointer.checkpointHeads(), 0, 'nothing new to checkpoint');
    const intact = await new AuditChainVerifier(ds).verify({ tenantId: tenant, publicKey });
    assert.equal(intact.ok, true, JSON.stringify(intact));
    assert.equal(intact.chains[0].checkpointsChecked, 1);
    assert.equal(intact.chains[0].signaturesChecked, 1);

    // Rewrite the whole chain consistently (as someone with DB access and the algorithm could).
    await ds.query(`UPDATE audit_log SET hash = sha256(hash), prev_hash = CASE WHEN seq = 1 THEN prev_hash ELSE sha256(prev_hash) END WHERE tenant_id = $1`, [tenant]);
    await ds.query(`UPDATE audit_chain_heads SET hash = sha256(hash) WHERE chain_id = $1`, [tenant]);
    const rewritten = await new AuditChainVerifier(ds).verify({ tenantId: tenant, publicKey });
    assert.equal(rewritten.ok, false);
    assert.ok(rewritten.checkpointMismatches.some((m) => m.kind === 'hash' && m.seq === 6), JSON.stringify(rewritten.checkpointMismatches));

    // A forged checkpoint (no or a wrong signature) is reported when a key is given.
    await ds.query(`UPDATE audit_checkpoints SET hash = (SELECT hash FROM audit_log WHERE tenant_id = $1 AND seq = 6) WHERE chain_id = $1`, [tenant]);
    const forged = await new AuditChainVerifier(ds).verify({ tenantId: tenant, publicKey });
    assert.ok(forged.checkpointMismatches.some((m) => m.kind === 'signature'), JSON.stringify(forged.checkpointMismatches));
  });

  it('retention deletes a whole prefix, anchors the rest on a checkpoint, and verify stays green', async () => {
    const tenant = randomUUID();
    const old = new Date(Date.now() - 40 * 86_400_000);
    for (let n = 1; n <= 5; n++) await ds.transaction((tx) => AuditWriter.record(tx, { ...entry(tenant, n), occurredAt: old }));
    await ds.transaction((tx) => AuditWriter.record(tx, entry(tenant, 6)));
    // An old-dated record after a recent one stays: only whole prefixes go.
    await ds.transaction((tx) => AuditWriter.record(tx, { ...entry(tenant, 7), occurredAt: old }));
    const results = await new AuditCheckpointer(ds).applyRetention(30);
    const mine = results.find((r) => r.tenantId === tenant);
    assert.deepEqual(mine, { tenantId: tenant, anchorSeq: 5, deleted: 5 });
    assert.deepEqual((await ds.query('SELECT seq FROM audit_log WHERE tenant_id = $1 ORDER BY seq', [tenant])).map((r: { seq: string }) => Number(r.seq)), [6, 7]);
    const report = await verify(tenant);
    assert.equal(report.ok, true, JSON.stringify(report.firstBreak));
    assert.equal(report.chains[0].firstSeq, 6);

    // Without its anchor, the remaining records no longer verify.
    await ds.query('DELETE FROM audit_checkpoints WHERE chain_id = $1 AND seq = 5', [tenant]);
    assert.equal((await verify(tenant)).firstBreak?.kind, 'missing-anchor');
  });

  it('verifies a chain in batches (memory bounded by the batch, not the chain)', async () => {
    const tenant = randomUUID();
    await append(tenant, 23);
    const report = await new AuditChainVerifier(ds).verify({ tenantId: tenant, batchSize: 4 });
    assert.equal(report.ok, true);
    assert.equal(report.records, 23);
    await ds.query(`UPDATE audit_log SET action = 'user.delete' WHERE tenant_id = $1 AND seq = 21`, [tenant]);
    assert.equal((await new AuditChainVerifier(ds).verify({ tenantId: tenant, batchSize: 4 })).firstBreak?.seq, 21);
  });

  it('keeps tenant-less events (rejected tokens) on the system chain', async () => {
    await append(null, 3);
    const report = await verify(null);
    assert.equal(report.chains[0].tenantId, null);
    assert.ok(report.records >= 3);
    assert.equal(report.ok, true);
  });
});
