import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { INestApplication } from '@nestjs/common';
import pg from 'pg';
import { createIdsyncApp } from '@idsync/platform';
import { startGateway, type GatewayHarness } from '../scim/scim-harness';
import { WebhookHarness } from '../webhooks/webhook-harness';

// "No stack traces or internal messages in error bodies", swept over every app's HTTP surface with
// malformed and hostile requests — bad JSON, wrong content types, huge ids, unknown routes, methods
// not allowed, and the database gone for a moment (real PostgreSQL: connections refused and
// terminated). Every answer must be a 4xx/5xx whose body carries no stack frame, file path, SQL
// text, or TypeORM / pg / kafkajs error name or message.

const ADMIN_TOKEN = 'error-bodies-admin-token-0123456789';

const LEAKS: Array<[string, RegExp]> = [
  ['stack frame', /\bat (?:async )?[\w$.<>[\] ]*\(?[^\s()]+:\d+:\d+\)?/],
  ['file path', /(?:\/work\/|\/home\/|\/usr\/|node_modules|[\w-]+\.(?:ts|js|mjs|cjs):\d+)/],
  ['SQL text', /\b(?:SELECT\s+[\w*,\s.()]+\s+FROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b/i],
  ['driver error', /QueryFailedError|TypeORMError|QueryRunner\w*Error|EntityNotFound|DatabaseError|KafkaJS\w*|ECONNREFUSED|SQLSTATE|duplicate key|violates \w+ constraint|relation "|syntax error at or near|terminating connection|Connection terminated|not queryable|does not allow connections|pg_hba|password authentication/i],
];

interface Probe {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

async function send(base: string, probe: Probe): Promise<{ status: number; body: string }> {
  const res = await fetch(`${base}${probe.path}`, { method: probe.method, headers: probe.headers, body: probe.body });
  return { status: res.status, body: await res.text() };
}

function assertClean(what: string, answer: { status: number; body: string }): void {
  for (const [kind, pattern] of LEAKS) assert.doesNotMatch(answer.body, pattern, `${what} → ${answer.status}: ${kind} in the body: ${answer.body.slice(0, 400)}`);
}

/** Connections to the database refused and the existing ones terminated, for the duration of `during`. */
async function withDatabaseDown<T>(url: string, during: () => Promise<T>): Promise<T> {
  const name = new URL(url).pathname.slice(1);
  const adminUrl = new URL(url);
  adminUrl.pathname = '/postgres';
  const client = new pg.Client({ connectionString: adminUrl.toString() });
  await client.connect();
  try {
    await client.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
    await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
    return await during();
  } finally {
    await client.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
    await client.end();
  }
}

const HUGE_ID = 'x'.repeat(8_000);
const json = { 'content-type': 'application/json' };
const scimJson = { 'content-type': 'application/scim+json' };

/** The hostile requests each app gets; `auth` is a valid credential for its API. */
function probes(auth: Record<string, string>, api: 'scim' | 'admin-gateway' | 'admin-webhooks'): Probe[] {
  const common: Probe[] = [
    { method: 'GET', path: '/nope' },
    { method: 'GET', path: `/${HUGE_ID}` },
    { method: 'PATCH', path: '/health/live' },
    { method: 'POST', path: '/metrics', headers: json, body: '{' },
    { method: 'GET', path: '/%E0%A4%A' },
    { method: 'GET', path: '/docs/../../etc/passwd' },
  ];
  if (api === 'scim') {
    const h = { ...auth, ...scimJson };
    return [
      ...common,
      { method: 'POST', path: '/scim/v2/Users', headers: h, body: '{"userName": ' },
      { method: 'POST', path: '/scim/v2/Users', headers: { ...auth, 'content-type': 'text/plain' }, body: 'userName=x' },
      { method: 'POST', path: '/scim/v2/Users', headers: h, body: '[]' },
      { method: 'POST', path: '/scim/v2/Users', headers: h, body: '{"userName": "a", "userName": "b"}' },
      { method: 'POST', path: '/scim/v2/Users', headers: h, body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: "x'; DROP TABLE scim_resources; --", name: { givenName: { $gt: '' } } }) },
      { method: 'POST', path: '/scim/v2/Users', headers: h, body: `${'['.repeat(5000)}${']'.repeat(5000)}` },
      { method: 'GET', path: `/scim/v2/Users/${HUGE_ID.slice(0, 4000)}`, headers: auth },
      { method: 'GET', path: '/scim/v2/Users/not-a-uuid', headers: auth },
      { method: 'GET', path: `/scim/v2/Users?filter=${encodeURIComponent('userName eq "a" or (((((')}`, headers: auth },
      { method: 'GET', path: `/scim/v2/Users?filter=${encodeURIComponent("userName eq \"a' OR 1=1 --\"")}&count=abc&startIndex=-5`, headers: auth },
      { method: 'GET', path: '/scim/v2/Users?sortBy=;DROP', headers: auth },
      { method: 'PATCH', path: '/scim/v2/Users/00000000-0000-4000-8000-000000000000', headers: h, body: '{"Operations": "x"}' },
      { method: 'PUT', path: '/scim/v2/ServiceProviderConfig', headers: h, body: '{}' },
      { method: 'DELETE', path: '/scim/v2/Schemas', headers: auth },
      { method: 'GET', path: '/scim/v2/Nope', headers: auth },
      { method: 'POST', path: '/scim/v2/Bulk', headers: h, body: '{"Operations": [{"method": "DELETE", "path": "/Users/../../x"}]}' },
      { method: 'POST', path: '/hooks/okta/no-such-tenant', headers: { ...json, authorization: 'x' }, body: '{' },
      { method: 'GET', path: `/hooks/okta/${HUGE_ID.slice(0, 4000)}` },
    ];
  }
  if (api === 'admin-gateway') {
    return [
      { method: 'POST', path: '/admin/tenants', headers: { ...auth, ...json }, body: '{"name": ' },
      { method: 'POST', path: '/admin/tenants', headers: { ...auth, 'content-type': 'text/xml' }, body: '<a/>' },
      { method: 'POST', path: '/admin/tenants', headers: { ...auth, ...json }, body: JSON.stringify({ name: 'x'.repeat(100_000) }) },
      { method: 'POST', path: '/admin/tenants', headers: { ...auth, ...json }, body: JSON.stringify({ name: { __proto__: { admin: true } } }) },
      { method: 'GET', path: `/admin/tenants/${HUGE_ID.slice(0, 4000)}/tokens`, headers: auth },
      { method: 'POST', path: '/admin/tenants/not-a-uuid/tokens', headers: { ...auth, ...json }, body: '{}' },
      { method: 'DELETE', path: '/admin/tokens/not-a-uuid', headers: auth },
      { method: 'GET', path: '/admin/audit?from=yesterday&limit=-1', headers: auth },
      { method: 'PATCH', path: '/admin/tenants', headers: auth },
    ];
  }
  return [
    ...common,
    { method: 'POST', path: '/admin/subscriptions', headers: { ...auth, ...json }, body: '{"url": ' },
    { method: 'POST', path: '/admin/subscriptions', headers: { ...auth, 'content-type': 'text/plain' }, body: 'url=x' },
    { method: 'POST', path: '/admin/subscriptions', headers: { ...auth, ...json }, body: JSON.stringify({ tenantId: "'; DROP TABLE webhook_subscriptions; --", url: 'https://x.example', eventTypes: ['*'] }) },
    { method: 'POST', path: '/admin/subscriptions', headers: { ...auth, ...json }, body: JSON.stringify({ tenantId: '00000000-0000-4000-8000-000000000000', url: 'not a url', eventTypes: 'x', customHeaders: { 'bad header\r\n': 'v' } }) },
    { method: 'GET', path: `/admin/subscriptions/${HUGE_ID.slice(0, 4000)}?tenantId=00000000-0000-4000-8000-000000000000`, headers: auth },
    { method: 'GET', path: '/admin/subscriptions/not-a-uuid?tenantId=not-a-uuid', headers: auth },
    { method: 'GET', path: '/admin/deliveries?tenantId=00000000-0000-4000-8000-000000000000&status=bogus&limit=abc', headers: auth },
    { method: 'PUT', path: '/admin/subscriptions', headers: auth },
    { method: 'GET', path: '/console/nope' },
    { method: 'POST', path: '/console/sign-in', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${'%'.repeat(3000)}` },
    { method: 'POST', path: '/console/sign-in', headers: json, body: '{' },
    { method: 'GET', path: `/console/subscriptions/${HUGE_ID.slice(0, 4000)}` },
  ];
}

describe('no stack traces or internal messages in error bodies (every app)', () => {
  let gw: GatewayHarness;
  let wh: WebhookHarness;
  let worker: INestApplication;
  let workerUrl: string;
  let scimAuth: Record<string, string>;

  before(async () => {
    gw = await startGateway({ ADMIN_API_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'silent' });
    const tenant = await gw.tenant();
    scimAuth = { authorization: `Bearer ${tenant.token}` };
    const { SyncWorkerModule } = await import('../../apps/sync-worker/src/app.module');
    const { workerAppOptions } = await import('../../apps/sync-worker/src/worker.bootstrap');
    process.env.WORKER_GROUP_ID = `${process.env.KAFKA_TOPIC_PREFIX}-worker`;
    worker = await createIdsyncApp(SyncWorkerModule, workerAppOptions());
    await worker.listen(0, '127.0.0.1');
    workerUrl = (await worker.getUrl()).replace('[::1]', '127.0.0.1');
    wh = await WebhookHarness.start({ ADMIN_API_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'silent' });
  });

  after(async () => {
    await worker?.close();
    await wh?.close();
    await gw?.close();
  });

  it('scim-gateway: SCIM, hooks, admin API, health and metrics', async () => {
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    for (const probe of [...probes(scimAuth, 'scim'), ...probes(admin, 'admin-gateway')]) {
      const answer = await send(gw.url, probe);
      assert.ok(answer.status >= 400, `${probe.method} ${probe.path.slice(0, 80)} answered ${answer.status}`);
      assert.ok(answer.status !== 500, `${probe.method} ${probe.path.slice(0, 80)}: 500 ${answer.body.slice(0, 300)}`);
      assertClean(`gateway ${probe.method} ${probe.path.slice(0, 80)}`, answer);
    }
  });

  it('webhook-delivery: admin API, console, health and metrics', async () => {
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    for (const probe of probes(admin, 'admin-webhooks')) {
      const answer = await send(wh.url, probe);
      assert.ok(answer.status >= 300, `${probe.method} ${probe.path.slice(0, 80)} answered ${answer.status}`);
      assert.ok(answer.status !== 500, `${probe.method} ${probe.path.slice(0, 80)}: 500 ${answer.body.slice(0, 300)}`);
      assertClean(`webhooks ${probe.method} ${probe.path.slice(0, 80)}`, answer);
    }
  });

  it('sync-worker: health, metrics and anything else', async () => {
    for (const probe of [{ method: 'GET', path: '/nope' }, { method: 'POST', path: '/health/ready', headers: json, body: '{' }, { method: 'GET', path: `/${HUGE_ID}` }, { method: 'DELETE', path: '/metrics' }]) {
      const answer = await send(workerUrl, probe);
      assert.ok(answer.status >= 400 && answer.status !== 500, `${probe.method} ${probe.path.slice(0, 40)} answered ${answer.status}`);
      assertClean(`worker ${probe.method} ${probe.path.slice(0, 40)}`, answer);
    }
  });

  it('with the database gone for a moment, every app answers without internal detail', async () => {
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const checks: Array<[string, string, Probe]> = [
      ['gateway', gw.url, { method: 'GET', path: '/scim/v2/Users?count=5', headers: scimAuth }],
      ['gateway', gw.url, { method: 'POST', path: '/scim/v2/Users', headers: { ...scimAuth, ...scimJson }, body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'db-down@example.com' }) }],
      ['gateway', gw.url, { method: 'GET', path: '/scim/v2/Users', headers: { authorization: 'Bearer idsync_scim_not-cached-token-value' } }],
      ['gateway', gw.url, { method: 'GET', path: '/admin/tenants', headers: admin }],
      ['gateway', gw.url, { method: 'GET', path: '/admin/tenants', headers: { authorization: 'Bearer idsa_lookup-needed' } }],
      ['gateway', gw.url, { method: 'GET', path: '/health/ready' }],
      ['worker', workerUrl, { method: 'GET', path: '/health/ready' }],
    ];
    const answers = await withDatabaseDown(gw.db.url, async () => {
      const out: Array<[string, Probe, { status: number; body: string }]> = [];
      for (const [app, base, probe] of checks) out.push([app, probe, await send(base, probe)]);
      return out;
    });
    const whAnswers = await withDatabaseDown(wh.db.url, async () => [
      await send(wh.url, { method: 'GET', path: '/admin/subscriptions?tenantId=00000000-0000-4000-8000-000000000000', headers: { authorization: 'Bearer idsa_lookup-needed' } }),
      await send(wh.url, { method: 'GET', path: '/admin/subscriptions?tenantId=00000000-0000-4000-8000-000000000000', headers: admin }),
      await send(wh.url, { method: 'GET', path: '/health/ready' }),
    ]);
    for (const [app, probe, answer] of answers) {
      assert.ok(answer.status >= 400 || probe.path === '/scim/v2/Users?count=5', `${app} ${probe.method} ${probe.path}: ${answer.status}`);
      assert.notEqual(answer.status, 500, `${app} ${probe.method} ${probe.path}: 500 ${answer.body.slice(0, 300)}`);
      assertClean(`${app} ${probe.method} ${probe.path} (database down)`, answer);
    }
    for (const answer of whAnswers) {
      assert.notEqual(answer.status, 500, `webhooks (database down): 500 ${answer.body.slice(0, 300)}`);
      assertClean('webhooks (database down)', answer);
    }
  });
});
