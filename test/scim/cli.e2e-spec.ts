import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { createTestDatabase, waitFor, type TestDatabase } from '@idsync/testing';
import { ScimClient, startGateway, type GatewayHarness } from './scim-harness';

const ROOT = path.resolve(__dirname, '..', '..');

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

describe('CLI contract: `npm run -s cli -- …` (tenants and SCIM tokens)', () => {
  let db: TestDatabase;
  let gw: GatewayHarness | undefined;

  before(async () => {
    db = await createTestDatabase('cli');
  });
  after(async () => {
    await gw?.close();
    await db?.drop();
  });

  /** Runs the CLI the way operators and scripts do, against the test database only. */
  function cli(...args: string[]): Promise<CliRun> {
    return new Promise((resolve) => {
      execFile('npm', ['run', '-s', 'cli', '--', ...args], { cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url }, timeout: 60_000 }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  function json(run: CliRun): Record<string, unknown> {
    assert.equal(run.code, 0, `exit ${run.code}: ${run.stderr}`);
    const lines = run.stdout.trim().split('\n');
    assert.equal(lines.length, 1, `--json prints exactly one JSON document: ${run.stdout}`);
    return JSON.parse(lines[0]) as Record<string, unknown>;
  }

  it('creates a tenant and a token that authenticates against the gateway, then revokes it', async () => {
    const tenant = json(await cli('tenant', 'create', 'acme', '--json'));
    assert.match(String(tenant.id), /^[0-9a-f-]{36}$/);
    assert.equal(tenant.name, 'acme');
    assert.ok(!Number.isNaN(Date.parse(String(tenant.createdAt))));

    const issued = json(await cli('token', 'create', '--tenant', 'acme', '--description', 'CI', '--json'));
    assert.match(String(issued.id), /^[0-9a-f-]{36}$/);
    assert.match(String(issued.token), /^idsync_scim_/);
    assert.equal(issued.tenantId, tenant.id);

    gw = await startGateway({}, { database: db });
    const scim = new ScimClient(gw.url, String(issued.token));
    const users = await scim.get('/Users');
    assert.equal(users.status, 200, users.text);
    const created = await scim.post('/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'cli-user' });
    assert.equal(created.status, 201, created.text);
    const [row] = (await gw.dataSource.query('SELECT tenant_id FROM scim_resources WHERE id = $1', [created.body.id])) as Array<{ tenant_id: string }>;
    assert.equal(row.tenant_id, tenant.id);

    const listed = json(await cli('token', 'list', '--tenant', 'acme', '--json')) as unknown as Array<Record<string, unknown>>;
    assert.deepEqual(listed.map((t) => t.id), [issued.id]);
    assert.ok(!JSON.stringify(listed).includes(String(issued.token)));

    const revoked = await cli('token', 'revoke', String(issued.id));
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, /revoked/);
    // The gateway caches verified tokens for a few seconds; revocation from another process lands after that.
    await waitFor(async () => (await scim.get('/Users')).status === 401, { timeoutMs: 15_000, intervalMs: 250, what: 'revoked token to be rejected' });
  });

  it('fails with a non-zero exit and a message on stderr: duplicate tenant, unknown tenant, unknown token', async () => {
    assert.equal((await cli('tenant', 'create', 'initech', '--json')).code, 0);
    const duplicate = await cli('tenant', 'create', 'INITECH', '--json');
    assert.notEqual(duplicate.code, 0);
    assert.match(duplicate.stderr, /already exists/);
    assert.equal(duplicate.stdout, '');

    const unknownTenant = await cli('token', 'create', '--tenant', 'no-such-tenant', '--json');
    assert.notEqual(unknownTenant.code, 0);
    assert.match(unknownTenant.stderr, /no tenant named "no-such-tenant"/);
    assert.equal(unknownTenant.stdout, '');

    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-token-id']) {
      const unknownToken = await cli('token', 'revoke', id);
      assert.notEqual(unknownToken.code, 0);
      assert.match(unknownToken.stderr, /no active token with id/);
    }

    const badName = await cli('tenant', 'create', 'has space');
    assert.notEqual(badName.code, 0);
    assert.match(badName.stderr, /tenant name must/);

    const usage = await cli('token', 'create', '--json');
    assert.equal(usage.code, 2, 'bad usage exits 2');
    assert.match(usage.stderr, /--tenant/);
  });
});
