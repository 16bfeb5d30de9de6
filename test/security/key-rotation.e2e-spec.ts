import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { OKTA_SECRET_CONTEXT } from '@idsync/contracts';
import { EnvelopeCipher, loadKeyRing } from '@idsync/crypto';
import { createTestDatabase, testKafkaBrokers, uniqueTopicPrefix, waitFor, type TestDatabase } from '@idsync/testing';
import { jsonOf, runIdsync, startIdsync } from '../cli/cli-runner';
import { ADMIN_TOKEN, adminTenant, PATCH_OP, sql, USER_SCHEMA } from '../faults/fault-helpers';
import type { ScimClient } from '../scim/scim-harness';
import { startAppProcess, stopAllAppProcesses, type AppProcess } from '../support/app-process';
import { TestReceiver } from '../webhooks/webhook-harness';

// Key rotation without downtime: secrets are written under key A; B becomes primary (apps
// restarted with the ring {A, B}); `idsync keys rotate` runs through the real CLI while SCIM writes
// keep flowing through the pipeline; then A is removed from the ring (apps restarted with {B}) and
// every webhook signing secret and Okta secret still decrypts, and webhooks still carry signatures
// that verify with the secrets handed out under A (standardwebhooks).
const START_TIMEOUT_MS = 180_000;
const keyA = EnvelopeCipher.generateKey();
const keyB = EnvelopeCipher.generateKey();
const RING_A = JSON.stringify({ primary: 'A', keys: { A: keyA } });
const RING_AB = JSON.stringify({ primary: 'B', keys: { A: keyA, B: keyB } });
const RING_B = JSON.stringify({ primary: 'B', keys: { B: keyB } });
const SUBSCRIPTIONS = 3;

interface KeysStatus {
  primaryKeyId: string;
  counts: Array<{ table: string; keyId: string; ciphertexts: number }>;
  notUnderPrimary: number;
}

describe('keys rotate: A → B while the apps serve, then A removed', { timeout: 600_000 }, () => {
  let db: TestDatabase;
  let gateway: AppProcess;
  let worker: AppProcess;
  let webhooks: AppProcess;
  let scim: ScimClient & { tenantId: string };
  const receivers: TestReceiver[] = [];
  const secrets: string[] = [];
  const env: Record<string, string> = {};
  const hookSecret = `hook-${randomBytes(16).toString('hex')}`;
  const ssws = `00${randomBytes(20).toString('hex')}`;

  const cli = (args: string[], ring: string) => runIdsync(args, { DATABASE_URL: db.url, IDSYNC_KEYS: ring, ENCRYPTION_KEYS: '', ENCRYPTION_ACTIVE_KEY_ID: '' });
  const restartAll = async (ring: string) => {
    env.IDSYNC_KEYS = ring; // the AppProcess options hold this object: restart() picks it up
    await Promise.all([gateway, worker, webhooks].map((p) => p.restart()));
  };
  const createUser = async (userName: string) => {
    const res = await scim.post('/Users', { schemas: [USER_SCHEMA], userName, emails: [{ value: userName, primary: true }] });
    assert.equal(res.status, 201, res.text);
    return String(res.body.id);
  };
  /** Waits until every receiver got an event naming `userName`, then verifies every request with its secret. */
  const deliveredAndVerified = async (userName: string) => {
    await waitFor(() => receivers.every((r) => r.requests.some((q) => q.body.includes(userName))) || undefined, { timeoutMs: 120_000, what: `${userName} delivered to every subscription` });
    receivers.forEach((r, i) => assert.doesNotThrow(() => r.verifyAll(secrets[i]), `subscription ${i}: every signature verifies with the secret issued under key A`));
    // The sealed custom header values still open (under whichever key the ring holds now).
    receivers.forEach((r, i) => assert.ok(r.requests.every((q) => q.headers['x-target-key'] === `target-key-${i}`), `subscription ${i}: every request carries its custom header`));
  };

  before(async () => {
    db = await createTestDatabase('keyrotation');
    const prefix = uniqueTopicPrefix('keyrotation');
    Object.assign(env, {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: testKafkaBrokers(),
      KAFKA_TOPIC_PREFIX: prefix,
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      IDSYNC_KEYS: RING_A,
      ENCRYPTION_KEYS: '',
      ENCRYPTION_ACTIVE_KEY_ID: '',
      OUTBOX_POLL_MS: '200',
      WORKER_GROUP_ID: `${prefix}-worker`,
      WEBHOOK_GROUP_ID: `${prefix}-webhook`,
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
      WEBHOOK_POLL_MS: '100',
    });
    [gateway, worker, webhooks] = await Promise.all(
      (['scim-gateway', 'sync-worker', 'webhook-delivery'] as const).map((app) => startAppProcess({ app, env, startTimeoutMs: START_TIMEOUT_MS })),
    );
    scim = await adminTenant(gateway.url, 'keyrotation');
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      const receiver = await TestReceiver.start(() => 204);
      receivers.push(receiver);
      const res = await fetch(`${webhooks.url}/admin/subscriptions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ tenantId: scim.tenantId, url: receiver.url, eventTypes: ['idsync.user.*'], customHeaders: { 'X-Target-Key': `target-key-${i}` } }),
      });
      const text = await res.text();
      assert.equal(res.status, 201, text);
      secrets.push(String((JSON.parse(text) as { secret: string }).secret));
    }
    // Okta hook secret and API token, through the CLI under ring A.
    jsonOf(await cli(['okta', 'hook', 'set', '--tenant', scim.tenantId, '--secret', hookSecret, '--json'], RING_A));
    jsonOf(await cli(['okta', 'api', 'set', '--tenant', scim.tenantId, '--org-url', 'https://example.okta.com', '--ssws-token', ssws, '--json'], RING_A));
  });

  after(async () => {
    await stopAllAppProcesses();
    await Promise.all(receivers.map((r) => r.close()));
    await db?.drop();
  });

  it('rotates every ciphertext to B under live SCIM traffic; with A gone every secret decrypts and signatures verify', async () => {
    await deliveredAndVerified(await createUser(`before-rotation-${randomBytes(3).toString('hex')}@example.com`));
    const before = jsonOf<KeysStatus>(await cli(['keys', 'status', '--json'], RING_A));
    assert.equal(before.notUnderPrimary, 0);
    assert.deepEqual(
      before.counts.map((c) => [c.table, c.keyId, c.ciphertexts]),
      [
        ['webhook_secrets', 'A', SUBSCRIPTIONS],
        ['webhook_subscriptions', 'A', SUBSCRIPTIONS],
        ['okta_hook_configs', 'A', 1],
        ['okta_api_configs', 'A', 1],
      ],
    );

    // B becomes primary; A still decrypts.
    await restartAll(RING_AB);
    const pending = jsonOf<KeysStatus>(await cli(['keys', 'status', '--json'], RING_AB));
    assert.equal(pending.primaryKeyId, 'B');
    assert.equal(pending.notUnderPrimary, 2 * SUBSCRIPTIONS + 2, 'everything is still under A until rotate runs');

    // SCIM writes keep flowing while the rotation runs.
    const id = await createUser(`during-rotation-${randomBytes(3).toString('hex')}@example.com`);
    let writing = true;
    let writes = 0;
    const writer = (async () => {
      while (writing) {
        const res = await scim.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: `t-${writes}` }] });
        assert.equal(res.status, 200, res.text);
        writes += 1;
      }
    })();
    const rotation = startIdsync(['keys', 'rotate', '--batch-size', '2', '--json'], { DATABASE_URL: db.url, IDSYNC_KEYS: RING_AB, ENCRYPTION_KEYS: '', ENCRYPTION_ACTIVE_KEY_ID: '' });
    const rotated = jsonOf<{ rotated: number; tables: Array<{ table: string; rotated: number; changedConcurrently: number }> }>(await rotation.done);
    writing = false;
    await writer;
    assert.ok(writes > 0, 'SCIM writes were served during the rotation');
    assert.equal(rotated.rotated, 2 * SUBSCRIPTIONS + 2);
    assert.deepEqual(
      rotated.tables.map((t) => [t.table, t.rotated]),
      [
        ['webhook_secrets', SUBSCRIPTIONS],
        ['webhook_subscriptions', SUBSCRIPTIONS],
        ['okta_hook_configs', 1],
        ['okta_api_configs', 1],
        ['scim_resources', 0], // no tenant here encrypts PII (test/security/pii-encryption.e2e-spec.ts covers the column)
      ],
    );
    const again = jsonOf<{ rotated: number }>(await cli(['keys', 'rotate', '--json'], RING_AB));
    assert.equal(again.rotated, 0, 'a second run finds nothing left (resumable, idempotent)');

    // A leaves the ring.
    await restartAll(RING_B);
    const after = jsonOf<KeysStatus>(await cli(['keys', 'status', '--json'], RING_B));
    assert.equal(after.notUnderPrimary, 0);
    assert.ok(after.counts.every((c) => c.keyId === 'B'), JSON.stringify(after.counts));

    const ringB = loadKeyRing({}, { IDSYNC_KEYS: RING_B })!;
    const stored = await sql<{ id: string; secret_ciphertext: string }>(db.url, 'SELECT id, secret_ciphertext FROM webhook_secrets ORDER BY created_at');
    assert.deepEqual(stored.map((s) => ringB.decrypt(s.secret_ciphertext, `webhook_secret:${s.id}`)).sort(), [...secrets].sort(), 'every signing secret decrypts with B alone');
    const [hook] = await sql<{ secret_ciphertext: string }>(db.url, 'SELECT secret_ciphertext FROM okta_hook_configs WHERE tenant_id = $1', [scim.tenantId]);
    assert.equal(ringB.decrypt(hook.secret_ciphertext, OKTA_SECRET_CONTEXT.hookSecret(scim.tenantId)), hookSecret);
    const [api] = await sql<{ credential_ciphertext: string }>(db.url, 'SELECT credential_ciphertext FROM okta_api_configs WHERE tenant_id = $1', [scim.tenantId]);
    assert.match(ringB.decrypt(api.credential_ciphertext, OKTA_SECRET_CONTEXT.apiCredential(scim.tenantId)), new RegExp(ssws));

    // The running apps, with only B, still sign with the secrets issued under A.
    await deliveredAndVerified(await createUser(`after-rotation-${randomBytes(3).toString('hex')}@example.com`));
    await deliveredAndVerified(id);
  });
});
