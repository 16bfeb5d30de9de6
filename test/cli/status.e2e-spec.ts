import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { EnvelopeCipher } from '@idsync/crypto';
import { createTestDatabase, testKafkaBrokers, uniqueTopicPrefix, type TestDatabase } from '@idsync/testing';
import type { StatusReport } from '../../apps/cli/src/commands/status.commands';
import type { TailedEvent } from '../../apps/cli/src/commands/events.commands';
import { startAppProcess, stopAllAppProcesses, type AppProcess } from '../support/app-process';
import { jsonOf, runIdsync } from './cli-runner';

// `idsync status` against the three real apps (child processes) on one fresh database and topic
// prefix; then the README quick start through the CLI: tenant + token, a SCIM POST as Okta would
// send it, and `idsync events tail` showing the event on Kafka; then one app stopped → exit 1.
const PER_TEST = { timeout: 600_000 };
// Three apps starting at once on a shared 2-core machine can take minutes.
const START_TIMEOUT_MS = 300_000;

describe('idsync status and the quick start through the CLI', () => {
  let db: TestDatabase;
  let prefix: string;
  let gateway: AppProcess;
  let worker: AppProcess;
  let webhooks: AppProcess;
  let cliEnv: Record<string, string>;

  before(async () => {
    db = await createTestDatabase('clistatus');
    prefix = uniqueTopicPrefix('clistatus');
    const env = { DATABASE_URL: db.url, KAFKA_BROKERS: testKafkaBrokers(), KAFKA_TOPIC_PREFIX: prefix, ADMIN_API_TOKEN: 'cli-status-admin-token-0123456789' };
    const groups = { WORKER_GROUP_ID: `${prefix}-worker`, WEBHOOK_GROUP_ID: `${prefix}-webhook` };
    [gateway, worker, webhooks] = await Promise.all([
      startAppProcess({ app: 'scim-gateway', name: 'gateway', startTimeoutMs: START_TIMEOUT_MS, env: { ...env, OUTBOX_POLL_MS: '200' } }),
      startAppProcess({ app: 'sync-worker', name: 'worker', startTimeoutMs: START_TIMEOUT_MS, env: { ...env, ...groups } }),
      startAppProcess({
        app: 'webhook-delivery',
        name: 'webhooks',
        startTimeoutMs: START_TIMEOUT_MS,
        env: { ...env, ...groups, ENCRYPTION_KEYS: `k1:${EnvelopeCipher.generateKey()}`, ENCRYPTION_ACTIVE_KEY_ID: 'k1' },
      }),
    ]);
    cliEnv = { ...env, ...groups, IDSYNC_GATEWAY_URL: gateway.url, IDSYNC_WORKER_URL: worker.url, IDSYNC_WEBHOOK_URL: webhooks.url };
  });

  after(async () => {
    await stopAllAppProcesses();
    await db?.drop();
  });

  it('exits 0 and reports every check ok when the whole stack is healthy', PER_TEST, async () => {
    const run = await runIdsync(['status', '--json'], cliEnv);
    const report = jsonOf<StatusReport>(run);
    assert.equal(report.healthy, true, JSON.stringify(report.checks, null, 2));
    const apps = report.checks.filter((c) => c.check === 'app');
    assert.deepEqual(
      apps.map((c) => [c.target.split(' ')[0], c.state]),
      [
        ['scim-gateway', 'ok'],
        ['sync-worker', 'ok'],
        ['webhook-delivery', 'ok'],
      ],
    );
    const lag = report.checks.filter((c) => c.check === 'kafka-lag');
    assert.deepEqual(lag.map((c) => c.target.split(' ')[0]).sort(), [`${prefix}-webhook`, `${prefix}-worker`]);
    for (const check of ['outbox', 'endpoint', 'dead-letters']) assert.ok(report.checks.some((c) => c.check === check && c.state === 'ok'), `${check} row`);
  });

  it('creates a tenant and token, and tails the event a SCIM POST produced', PER_TEST, async () => {
    const name = `acme-${randomUUID().slice(0, 8)}`;
    const tenant = jsonOf<{ id: string }>(await runIdsync(['tenant', 'create', name, '--json'], cliEnv));
    const token = jsonOf<{ token: string }>(await runIdsync(['token', 'create', '--tenant', name, '--description', 'Okta', '--json'], cliEnv));
    const userName = `ada-${randomUUID().slice(0, 8)}@example.com`;
    const res = await fetch(`${gateway.url}/scim/v2/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token.token}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName, name: { givenName: 'Ada', familyName: 'Lovelace' } }),
    });
    assert.equal(res.status, 201, await res.text());

    const tail = await runIdsync(['events', 'tail', '--tenant', name, '--from-beginning', '--max', '1', '--json'], cliEnv);
    const event = jsonOf<TailedEvent>(tail);
    assert.equal(event.attributes.type, 'idsync.user.created');
    assert.equal(event.attributes.tenantid, tenant.id);
    assert.equal((event.data as { resource: { userName: string } }).resource.userName, userName);
  });

  it('exits 1 and names the app when one is down', PER_TEST, async () => {
    await webhooks.kill('SIGTERM');
    const run = await runIdsync(['status'], cliEnv);
    assert.equal(run.code, 1, run.stderr);
    const row = run.stdout.split('\n').find((line) => line.includes('webhook-delivery'));
    assert.match(row ?? '', /^FAIL\s+app\s+webhook-delivery .*unreachable/, run.stdout);
    assert.match(run.stdout, /^OK\s+app\s+scim-gateway/m);
    assert.match(run.stdout, /UNHEALTHY\s*$/);
  });
});
