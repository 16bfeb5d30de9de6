import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { AuditCheckpointer, AuditWriter, CheckpointSigner, type AuditRecord, type AuditVerificationReport } from '@idsync/audit';
import { dataSourceOptions } from '@idsync/persistence';
import { createTestDatabase, type TestDatabase } from '@idsync/testing';
import { TenantService } from '../../apps/scim-gateway/src/tenants/tenant.service';
import { jsonOf, runIdsync } from '../cli/cli-runner';

// `idsync audit verify|export` as operators run it (the real bin, a child process) against a
// database that a test then tampers with through plain SQL.

describe('idsync audit verify | export', { timeout: 300_000 }, () => {
  let db: TestDatabase;
  let ds: DataSource;
  let dir: string;
  let tenantId: string;
  const env = () => ({ DATABASE_URL: db.url, AUDIT_SIGNING_KEY_FILE: '' });

  before(async () => {
    db = await createTestDatabase('audit_cli');
    ds = new DataSource(dataSourceOptions(db.url, {}, 4));
    await ds.initialize();
    dir = mkdtempSync(path.join(tmpdir(), 'idsync-audit-cli-'));
    tenantId = (await new TenantService(ds).create('acme')).id;
    for (let n = 1; n <= 12; n++) {
      await ds.transaction((tx) =>
        AuditWriter.record(tx, {
          tenantId,
          actorType: 'scim-token',
          actorId: 'token-1',
          action: n === 1 ? 'user.create' : 'user.patch',
          resourceType: 'User',
          resourceId: 'u-1',
          details: { version: n },
          changes: [{ path: 'title', before: `t${n - 1}`, after: `t${n}` }],
          // The first five are 40 days old: what the retention test below removes.
          occurredAt: n <= 5 ? new Date(Date.now() - 40 * 86_400_000) : undefined,
        }),
      );
    }
  });
  after(async () => {
    await ds?.destroy();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('exits 0 on an intact trail and exports it as JSON Lines in chain order', async () => {
    const ok = await runIdsync(['audit', 'verify', '--tenant', 'acme', '--json'], env());
    const report = jsonOf<AuditVerificationReport>(ok);
    assert.equal(report.ok, true);
    assert.equal(report.records, 12);

    const out = path.join(dir, 'acme.jsonl');
    const exported = await runIdsync(['audit', 'export', '--tenant', 'acme', '--out', out], env());
    assert.equal(exported.code, 0, exported.stderr);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as AuditRecord);
    assert.deepEqual(lines.map((r) => r.seq), Array.from({ length: 12 }, (_, i) => i + 1));
    assert.ok(lines.every((r) => r.tenantId === tenantId && r.target.id === 'u-1'));
  });

  it('audits the admin actions the CLI itself performs (tenant create), naming the CLI user', async () => {
    const created = jsonOf<{ id: string }>(await runIdsync(['tenant', 'create', 'initech', '--json'], { ...env(), USER: 'ops-alice' }));
    const rows = (await ds.query('SELECT seq, action, actor_type, actor_id, changes FROM audit_log WHERE tenant_id = $1', [created.id])) as Array<Record<string, unknown>>;
    assert.deepEqual(rows, [{ seq: '1', action: 'tenant.create', actor_type: 'cli', actor_id: 'cli:ops-alice', changes: [{ path: 'name', after: 'initech' }] }]);
  });

  it('pinpoints the one record edited in the database (exit 1, its seq and id, expected vs found)', async () => {
    const [row] = (await ds.query(`SELECT id FROM audit_log WHERE tenant_id = $1 AND seq = 8`, [tenantId])) as Array<{ id: string }>;
    await ds.query(`UPDATE audit_log SET details = '{"version": 80}' WHERE id = $1`, [row.id]);

    const text = await runIdsync(['audit', 'verify'], env());
    assert.equal(text.code, 1, text.stderr);
    assert.match(text.stdout, /AUDIT TRAIL BROKEN/);
    assert.match(text.stdout, new RegExp(`first broken link: tenant ${tenantId} seq 8 \\(audit_log id ${row.id}\\): hash-mismatch`));
    assert.match(text.stdout, /expected [0-9a-f]{64}\n\s+found\s+[0-9a-f]{64}/);

    const report = jsonOf<AuditVerificationReport>(await runIdsync(['audit', 'verify', '--tenant', 'acme', '--json'], env()), 1);
    assert.equal(report.ok, false);
    assert.deepEqual([report.firstBreak?.seq, String(report.firstBreak?.id), report.firstBreak?.kind], [8, String(row.id), 'hash-mismatch']);
    assert.notEqual(report.firstBreak?.expected, report.firstBreak?.found);
    // Restored, for the next test.
    await ds.query(`UPDATE audit_log SET details = '{"version": 8}' WHERE id = $1`, [row.id]);
  });

  it('checks checkpoint signatures with the configured key, and stays green after retention', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const keyFile = path.join(dir, 'audit-signing.pem');
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const other = path.join(dir, 'other.pem');
    writeFileSync(other, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const checkpointer = new AuditCheckpointer(ds, CheckpointSigner.fromPemFile(keyFile));
    await checkpointer.checkpointHeads();

    const wrongKey = await runIdsync(['audit', 'verify', '--tenant', 'acme', '--public-key', other], env());
    assert.equal(wrongKey.code, 1);
    assert.match(wrongKey.stdout, /checkpoint mismatch: .* seq 12: signature/);

    // With a 30-day retention the five 40-day-old records go; a checkpoint anchors the rest.
    const results = await checkpointer.applyRetention(30);
    assert.deepEqual(results.find((r) => r.tenantId === tenantId), { tenantId, anchorSeq: 5, deleted: 5 });
    const after = await runIdsync(['audit', 'verify', '--tenant', 'acme', '--json'], { ...env(), AUDIT_SIGNING_KEY_FILE: keyFile });
    const report = jsonOf<AuditVerificationReport>(after);
    assert.equal(report.ok, true, JSON.stringify(report));
    assert.equal(report.chains[0].firstSeq, 6);
    assert.equal(report.chains[0].signaturesChecked, 2, 'the periodic checkpoint and the retention anchor, both signed');
  });
});
