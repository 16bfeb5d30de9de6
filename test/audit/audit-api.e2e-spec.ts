import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AuditChainVerifier, loadCheckpointPublicKey, type AuditPage, type AuditRecord } from '@idsync/audit';
import { waitFor } from '@idsync/testing';
import { ScimClient, startGateway, type GatewayHarness } from '../scim/scim-harness';

// The audit trail through the real gateway: SCIM writes and admin actions produce chained records
// with a diff (never a password), refused tokens are audited (never the token), and
// /admin/audit answers filtered, keyset-paginated queries and streams JSON Lines.

const ADMIN_TOKEN = 'audit-test-admin-token-0123456789';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const PASSWORD = 'Tr0ub4dor&3-never-in-audit';

describe('audit trail through scim-gateway (/admin/audit)', () => {
  let gw: GatewayHarness;
  let scim: ScimClient & { tenantId: string; tokenId: string };
  let userId: string;
  let keyDir: string;
  let keyFile: string;

  async function admin(path: string, token = ADMIN_TOKEN): Promise<{ status: number; headers: Headers; text: string; body: AuditPage & { message?: unknown } }> {
    const res = await fetch(`${gw.url}/admin${path}`, { headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    let body = {} as AuditPage;
    try {
      body = JSON.parse(text) as AuditPage;
    } catch {
      // JSON Lines or empty
    }
    return { status: res.status, headers: res.headers, text, body };
  }

  before(async () => {
    keyDir = mkdtempSync(path.join(tmpdir(), 'idsync-audit-key-'));
    keyFile = path.join(keyDir, 'audit.pem');
    writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
    // The scheduler's timer is off (0); the test runs its rounds itself.
    gw = await startGateway({ ADMIN_API_TOKEN: ADMIN_TOKEN, AUDIT_CHECKPOINT_INTERVAL_MS: '0', AUDIT_SIGNING_KEY_FILE: keyFile, AUDIT_RETENTION_DAYS: '30' });
    scim = await gw.tenant('audit-acme');
    const created = await scim.post('/Users', { schemas: [USER], userName: 'ann@example.com', name: { givenName: 'Ann', familyName: 'Lee' }, password: PASSWORD, active: true });
    assert.equal(created.status, 201, created.text);
    userId = String(created.body.id);
    const patched = await scim.patch(`/Users/${userId}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'replace', path: 'name.givenName', value: 'Anne' },
        { op: 'add', path: 'title', value: 'CTO' },
        { op: 'replace', path: 'password', value: `${PASSWORD}-2` },
      ],
    });
    assert.equal(patched.status, 200, patched.text);
  });
  after(async () => {
    await gw?.close();
    if (keyDir) rmSync(keyDir, { recursive: true, force: true });
  });

  it('a SCIM create and PATCH are audited with the attribute diff, and never with the password', async () => {
    const page = await admin(`/audit?tenant=audit-acme&target=${userId}`);
    assert.equal(page.status, 200, page.text);
    const [patch, create] = page.body.records;
    assert.deepEqual([patch.action, create.action], ['user.patch', 'user.create']);
    assert.deepEqual(patch.actor, { type: 'scim-token', id: scim.tokenId });
    assert.deepEqual(patch.target, { type: 'User', id: userId });
    assert.equal(patch.tenantId, scim.tenantId);
    assert.deepEqual(patch.changes, [
      { path: 'name.givenName', before: 'Ann', after: 'Anne' },
      { path: 'password', redacted: true },
      { path: 'title', after: 'CTO' },
    ]);
    assert.ok(create.changes?.some((c) => c.path === 'userName' && c.after === 'ann@example.com'));
    assert.ok(create.changes?.every((c) => c.path !== 'password' || !('after' in c)));
    assert.equal(Number(create.seq) + 1, patch.seq);
    assert.equal(patch.prevHash, create.hash, 'the patch record links to the create record');

    const everything = JSON.stringify(await gw.dataSource.query('SELECT * FROM audit_log'));
    assert.ok(!everything.includes(PASSWORD), 'no password (nor a prefix of one) anywhere in audit_log');
    assert.ok(!everything.includes('scrypt$'), 'nor its hash');
  });

  it('a refused SCIM or admin token is audited on the system chain, without the token', async () => {
    const bogus = 'idsync_scim_this-token-does-not-exist-0123456789';
    const bad = new ScimClient(gw.url, bogus);
    assert.equal((await bad.get('/Users?filter=userName%20eq%20%22ann%40example.com%22')).status, 401);
    assert.equal((await admin('/audit', 'wrong-admin-token-value')).status, 401);
    const rejected = await waitFor(
      async () => {
        const page = await admin('/audit?action=auth.*');
        return page.body.records?.length >= 2 && page.body.records;
      },
      { what: 'two auth.token_rejected records' },
    );
    const paths = rejected.map((r) => String(r.details.path)).sort();
    assert.deepEqual(paths, ['/admin/audit', '/scim/v2/Users']);
    for (const r of rejected) {
      assert.equal(r.action, 'auth.token_rejected');
      assert.equal(r.outcome, 'failure');
      assert.equal(r.tenantId, null);
      assert.equal(r.actor.type, 'anonymous');
      assert.equal(r.details.credential, 'presented');
    }
    const raw = JSON.stringify(await gw.dataSource.query(`SELECT * FROM audit_log WHERE action = 'auth.token_rejected'`));
    assert.ok(!raw.includes(bogus) && !raw.includes('wrong-admin-token-value'), 'the presented tokens are not stored');
    assert.ok(!raw.includes('ann%40example.com') && !raw.includes('ann@example.com'), 'nor the query string (a filter may hold PII)');
  });

  it('admin actions are audited in their own chain position, in the tenant of the change', async () => {
    const res = await fetch(`${gw.url}/admin/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'audit-initech' }),
    });
    assert.equal(res.status, 201);
    const tenant = (await res.json()) as { id: string };
    const page = await admin('/audit?tenant=audit-initech');
    assert.deepEqual(
      page.body.records.map((r) => [r.action, r.actor.type, r.seq, r.changes]),
      [['tenant.create', 'admin', 1, [{ path: 'name', after: 'audit-initech' }]]],
    );
    assert.equal(page.body.records[0].tenantId, tenant.id);
  });

  it('filters by actor, target, action (exact and prefix) and time, and pages with a cursor', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await scim.post('/Users', { schemas: [USER], userName: `page-${i}` })).status, 201);
    const all = await admin('/audit?tenant=audit-acme&limit=1000');
    assert.equal(all.body.records.length, 7);
    assert.deepEqual(all.body.records.map((r) => r.seq), [7, 6, 5, 4, 3, 2, 1], 'newest first');
    assert.equal(all.body.nextCursor, null);

    const seen: AuditRecord[] = [];
    let cursor: string | null = null;
    do {
      const page = await admin(`/audit?tenant=audit-acme&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(page.status, 200, page.text);
      assert.ok(page.body.records.length <= 3);
      seen.push(...page.body.records);
      cursor = page.body.nextCursor;
    } while (cursor);
    assert.deepEqual(seen.map((r) => r.id), all.body.records.map((r) => r.id), 'pages add up to the whole list, without overlap');

    assert.equal((await admin(`/audit?actor=${scim.tokenId}&limit=1000`)).body.records.length, 7);
    assert.equal((await admin('/audit?actor=nobody')).body.records.length, 0);
    assert.equal((await admin('/audit?tenant=audit-acme&action=user.patch')).body.records.length, 1);
    assert.equal((await admin('/audit?tenant=audit-acme&action=user.*&limit=1000')).body.records.length, 7);
    assert.equal((await admin('/audit?tenant=audit-acme&action=group.*')).body.records.length, 0);
    const sixth = all.body.records[1].occurredAt;
    const since = await admin(`/audit?tenant=audit-acme&from=${encodeURIComponent(sixth)}`);
    assert.ok(since.body.records.every((r) => r.occurredAt >= sixth) && since.body.records.length >= 2);
    const until = await admin(`/audit?tenant=audit-acme&to=${encodeURIComponent(all.body.records[6].occurredAt)}`);
    assert.ok(until.body.records.every((r) => r.occurredAt < all.body.records[6].occurredAt));
  });

  it('rejects bad parameters with 400, an unknown tenant with 404, and no token with 401', async () => {
    for (const q of ['limit=0', 'limit=1001', 'from=yesterday', 'cursor=bm9wZQ', 'action=%27%20OR%201%3D1', 'unknown=1']) {
      const res = await admin(`/audit?${q}`);
      assert.equal(res.status, 400, `${q}: ${res.text}`);
    }
    assert.equal((await admin('/audit?tenant=no-such-tenant')).status, 404);
    assert.equal((await admin('/audit/export?tenant=no-such-tenant')).status, 404);
    assert.equal((await fetch(`${gw.url}/admin/audit`)).status, 401);
  });

  it('exports JSON Lines in chain order, each line a record that verifies', async () => {
    const res = await admin('/audit/export?tenant=audit-acme');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/x-ndjson/);
    assert.ok(res.text.endsWith('\n'));
    const lines = res.text.trimEnd().split('\n').map((l) => JSON.parse(l) as AuditRecord);
    assert.deepEqual(lines.map((r) => r.seq), [1, 2, 3, 4, 5, 6, 7]);
    lines.slice(1).forEach((r, i) => assert.equal(r.prevHash, lines[i].hash));
    assert.deepEqual(Object.keys(lines[0]).sort(), ['action', 'actor', 'changes', 'changesHash', 'details', 'hash', 'id', 'occurredAt', 'outcome', 'prevHash', 'seq', 'target', 'tenantId']);
    const everyone = await admin('/audit/export');
    assert.ok(everyone.text.trimEnd().split('\n').length >= 10, 'without a tenant: every chain');

    const report = await new AuditChainVerifier(gw.dataSource).verify();
    assert.equal(report.ok, true, JSON.stringify(report.firstBreak));
  });

  it('the maintenance scheduler links records left unchained, then checkpoints every advanced chain head, signed with AUDIT_SIGNING_KEY_FILE', async () => {
    const { AuditMaintenanceScheduler } = await import('../../apps/scim-gateway/src/audit/audit-maintenance.scheduler');
    const scheduler = gw.app.get(AuditMaintenanceScheduler);
    // A record whose writer stopped between COMMIT and its chaining pass.
    const [left] = (await gw.dataSource.query(
      `INSERT INTO audit_log (tenant_id, occurred_at, actor_type, actor_id, action, details) VALUES ($1, date_trunc('milliseconds', now()), 'system', 'test', 'user.patch', '{}') RETURNING id`,
      [scim.tenantId],
    )) as Array<{ id: string }>;
    await scheduler.runOnce();
    const [linked] = (await gw.dataSource.query('SELECT l.seq = h.seq AS at_head FROM audit_log l JOIN audit_chain_heads h USING (chain_id) WHERE l.id = $1', [left.id])) as Array<{ at_head: boolean }>;
    assert.equal(linked.at_head, true, 'the left-over record was linked as the head before the checkpoint');
    const checkpoints = (await gw.dataSource.query(
      `SELECT c.seq, c.key_id, c.signature IS NOT NULL AS signed, c.hash = h.hash AS at_head FROM audit_checkpoints c JOIN audit_chain_heads h USING (chain_id) WHERE c.chain_id = $1`,
      [scim.tenantId],
    )) as Array<{ seq: string; signed: boolean; at_head: boolean }>;
    assert.equal(checkpoints.length, 1);
    assert.deepEqual([checkpoints[0].signed, checkpoints[0].at_head], [true, true]);
    await scheduler.runOnce();
    assert.equal((await gw.dataSource.query('SELECT count(*)::int AS n FROM audit_checkpoints WHERE chain_id = $1', [scim.tenantId]))[0].n, 1, 'no new checkpoint while the head has not moved');

    const report = await new AuditChainVerifier(gw.dataSource).verify({ publicKey: loadCheckpointPublicKey(keyFile) });
    assert.equal(report.ok, true, JSON.stringify(report));
    assert.ok(report.chains.every((c) => c.signaturesChecked >= 1), 'every chain has a signed checkpoint');
    assert.equal(report.records, Number((await gw.dataSource.query('SELECT count(*)::int AS n FROM audit_log'))[0].n), 'retention (30 days) kept every fresh record');
  });
});
