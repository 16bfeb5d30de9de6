import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EnvelopeCipher } from '@idsync/crypto';
import { jsonOf, runIdsync } from '../cli/cli-runner';
import { startGateway, type GatewayHarness } from '../scim/scim-harness';

// `idsync okta …` as an operator runs it (the real bin, a child process) against the database a
// real gateway uses: what the CLI stores, the gateway's hook endpoint accepts.

describe('idsync okta', () => {
  const keyRing = { ENCRYPTION_KEYS: `k1:${EnvelopeCipher.generateKey()}`, ENCRYPTION_ACTIVE_KEY_ID: 'k1' };
  let gateway: GatewayHarness;
  let tenant: string;
  let env: Record<string, string>;

  before(async () => {
    gateway = await startGateway({ ...keyRing, LOG_LEVEL: 'warn' });
    tenant = (await gateway.app.get((await import('../../apps/scim-gateway/src/tenants/tenant.service')).TenantService).create(`okta-cli-${process.pid}`)).name;
    env = { DATABASE_URL: gateway.db.url, ...keyRing };
  });

  after(async () => {
    await gateway?.close();
  });

  it('hook set --generate: the printed secret is what the gateway accepts; show never prints it', async () => {
    const set = jsonOf<{ tenantId: string; hookPath: string; headerName: string; secret: string }>(
      await runIdsync(['okta', 'hook', 'set', '--tenant', tenant, '--header-name', 'X-Okta-Auth', '--generate', '--json'], env),
    );
    assert.equal(set.headerName, 'X-Okta-Auth');
    assert.match(set.secret, /^[A-Za-z0-9_-]{43}$/);
    const verified = await fetch(`${gateway.url}${set.hookPath}`, { headers: { 'x-okta-auth': set.secret, 'x-okta-verification-challenge': 'c-123' } });
    assert.equal(verified.status, 200);
    assert.deepEqual(await verified.json(), { verification: 'c-123' });
    const wrong = await fetch(`${gateway.url}${set.hookPath}`, { headers: { 'x-okta-auth': `${set.secret}x`, 'x-okta-verification-challenge': 'c' } });
    assert.equal(wrong.status, 401);

    const shown = await runIdsync(['okta', 'hook', 'show', '--tenant', tenant, '--json'], env);
    const view = jsonOf<{ hook: { headerName: string }; api: null }>(shown);
    assert.equal(view.hook.headerName, 'X-Okta-Auth');
    assert.equal(view.api, null);
    assert.ok(!shown.stdout.includes(set.secret));
    const [row] = (await gateway.dataSource.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'okta.hook.set' AND actor_type = 'cli'`)) as Array<{ n: number }>;
    assert.equal(row.n, 1, 'audited');
  });

  it('api set stores an SSWS token encrypted; bad input exits 1, bad usage 2, no key ring 1', async () => {
    const set = jsonOf<{ orgUrl: string; authMethod: string }>(
      await runIdsync(['okta', 'api', 'set', '--tenant', tenant, '--org-url', 'https://example.okta.com/', '--ssws-token', '00abcSSWStokenvalue', '--rate-limit-share', '0.25', '--json'], env),
    );
    assert.deepEqual([set.orgUrl, set.authMethod], ['https://example.okta.com', 'ssws']);
    const [stored] = (await gateway.dataSource.query('SELECT credential_ciphertext, rate_limit_share FROM okta_api_configs')) as Array<{ credential_ciphertext: string; rate_limit_share: number }>;
    assert.ok(stored.credential_ciphertext.startsWith('v1.k1.') && !stored.credential_ciphertext.includes('00abcSSWStokenvalue'));
    assert.equal(Number(stored.rate_limit_share), 0.25);

    const http = await runIdsync(['okta', 'api', 'set', '--tenant', tenant, '--org-url', 'http://example.okta.com', '--ssws-token', 'x'], env);
    assert.equal(http.code, 1);
    assert.match(http.stderr, /https/);
    assert.equal((await runIdsync(['okta', 'api', 'set', '--tenant', tenant, '--org-url', 'https://x.okta.com', '--ssws-token', 'x', '--client-id', 'c'], env)).code, 2);
    assert.equal((await runIdsync(['okta', 'hook', 'set', '--tenant', tenant, '--secret', 'short'], env)).code, 1);
    const noRing = await runIdsync(['okta', 'hook', 'set', '--tenant', tenant, '--generate'], { DATABASE_URL: gateway.db.url, ENCRYPTION_KEYS: '', ENCRYPTION_ACTIVE_KEY_ID: '' });
    assert.equal(noRing.code, 1);
    assert.match(noRing.stderr, /ENCRYPTION_KEYS/);
    assert.equal((await runIdsync(['okta', 'api', 'remove', '--tenant', tenant, '--json'], env)).code, 0);
    assert.equal((await runIdsync(['okta', 'api', 'remove', '--tenant', tenant], env)).code, 1, 'nothing left to remove');
  });
});
