import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { EnvelopeCipher } from '@idsync/crypto';
import { TOPICS, topicName } from '@idsync/contracts';
import { fetchConsumerLag } from '@idsync/platform';
import { createTestDatabase, testKafkaBrokers, uniqueTopicPrefix, waitFor, type TestDatabase } from '@idsync/testing';
import { ADMIN_TOKEN, adminTenant, USER_SCHEMA } from '../faults/fault-helpers';
import type { ScimClient } from '../scim/scim-harness';
import { startAppProcess, stopAllAppProcesses, type AppProcess } from '../support/app-process';
import { TestReceiver } from '../webhooks/webhook-harness';
import { scrape, type Exposition } from './prometheus-text';

// One SCIM change end to end through the three apps, each a real process with its own /metrics
// (prom-client's registry is per process): the series each app documents appear and move. Then
// the Grafana dashboard is checked against the names the apps really expose.
const ROOT = path.resolve(__dirname, '..', '..');
const PARTITIONS = 6;
/** Node processes transpiling TypeScript on a shared, busy machine can take a while to start. */
const START_TIMEOUT_MS = 180_000;

describe('metrics: one SCIM change through the stack', { timeout: 720_000 }, () => {
  let db: TestDatabase;
  let gateway: AppProcess;
  let worker: AppProcess;
  let webhooks: AppProcess;
  let receiver: TestReceiver;
  let scim: ScimClient & { tenantId: string };
  let prefix = '';
  const before_: Record<string, Exposition> = {};
  const after_: Record<string, Exposition> = {};
  let userId = '';

  before(async () => {
    db = await createTestDatabase('metrics');
    prefix = uniqueTopicPrefix('metrics');
    const env = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: testKafkaBrokers(),
      KAFKA_TOPIC_PREFIX: prefix,
      WORKER_GROUP_ID: `${prefix}-worker`,
      WEBHOOK_GROUP_ID: `${prefix}-webhook`,
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      OUTBOX_POLL_MS: '200',
    };
    gateway = await startAppProcess({ app: 'scim-gateway', name: 'gateway', startTimeoutMs: START_TIMEOUT_MS, env });
    worker = await startAppProcess({ app: 'sync-worker', name: 'worker', startTimeoutMs: START_TIMEOUT_MS, env });
    webhooks = await startAppProcess({
      app: 'webhook-delivery',
      name: 'webhooks',
      startTimeoutMs: START_TIMEOUT_MS,
      env: {
        ...env,
        ENCRYPTION_KEYS: `k1:${EnvelopeCipher.generateKey()}`,
        ENCRYPTION_ACTIVE_KEY_ID: 'k1',
        WEBHOOK_ALLOW_HTTP: 'true',
        WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
        WEBHOOK_POLL_MS: '100',
      },
    });
    receiver = await TestReceiver.start(() => 204);
    scim = await adminTenant(gateway.url, `metrics-${prefix}`);
    const sub = await fetch(`${webhooks.url}/admin/subscriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: scim.tenantId, url: receiver.url, eventTypes: ['idsync.user.*'] }),
    });
    assert.equal(sub.status, 201, await sub.text());

    for (const [name, app] of Object.entries({ gateway, worker, webhooks })) before_[name] = await scrape(app.url);

    const created = await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'metrics.user@example.com', name: { givenName: 'Metrics', familyName: 'User' } });
    assert.equal(created.status, 201, created.text);
    userId = String(created.body.id);
    await waitFor(() => receiver.requests.length >= 1, { timeoutMs: 60_000, what: 'the webhook for the created user' });
    // The delivery is recorded after the receiver answered: wait until webhook-delivery counted it.
    await waitFor(async () => (await scrape(webhooks.url)).sum('idsync_webhook_attempts_total', { outcome: 'delivered' }) >= 1, { timeoutMs: 30_000, what: 'the delivered attempt counted' });
    for (const [name, app] of Object.entries({ gateway, worker, webhooks })) after_[name] = await scrape(app.url);
  });

  after(async () => {
    await receiver?.close();
    await stopAllAppProcesses();
    await db?.drop();
  });

  const moved = (app: string, name: string, labels?: Record<string, string>) => after_[app].sum(name, labels) - before_[app].sum(name, labels);

  it('gateway: HTTP requests by route template, SCIM operations by tenant and type, outbox backlog and age', () => {
    assert.equal(moved('gateway', 'idsync_http_request_duration_seconds_count', { method: 'POST', route: '/scim/v2/Users', status_code: '201' }), 1);
    assert.ok(after_.gateway.find('idsync_http_request_duration_seconds_bucket', { route: '/scim/v2/Users' }).length > 0);
    assert.ok(after_.gateway.sum('idsync_http_request_duration_seconds_count', { method: 'GET', route: '/health/ready', status_code: '200' }) >= 1);
    assert.equal(moved('gateway', 'idsync_scim_operations_total', { tenant: scim.tenantId, resource_type: 'User', operation: 'create', status_code: '201' }), 1);
    // Outbox gauges are read from the database on each scrape; the relay has published the row by now.
    assert.equal(after_.gateway.find('idsync_outbox_backlog').length, 1);
    assert.equal(after_.gateway.sum('idsync_outbox_backlog'), 0);
    assert.equal(after_.gateway.find('idsync_outbox_oldest_unpublished_seconds').length, 1);
  });

  it('no ids, tenant names or user names in HTTP label values (templates only)', async () => {
    // A request for a specific resource: its route label is the template, not the id.
    assert.equal((await scim.get(`/Users/${userId}`)).status, 200);
    assert.equal((await scim.get('/Users/00000000-0000-4000-8000-000000000000')).status, 404);
    assert.equal((await fetch(`${gateway.url}/no/such/${userId}`)).status, 404);
    const now = await scrape(gateway.url);
    assert.ok(now.sum('idsync_http_request_duration_seconds_count', { method: 'GET', route: '/scim/v2/Users/:id', status_code: '200' }) >= 1);
    assert.ok(now.sum('idsync_http_request_duration_seconds_count', { method: 'GET', route: '/scim/v2/Users/:id', status_code: '404' }) >= 1);
    assert.ok(now.sum('idsync_http_request_duration_seconds_count', { route: 'unmatched', status_code: '404' }) >= 1);
    for (const sample of now.samples.filter((s) => s.name.startsWith('idsync_http_'))) {
      for (const value of Object.values(sample.labels)) {
        assert.ok(!value.includes(userId) && !value.includes('metrics.user') && !value.includes(scim.tenantId), `label value ${value} of ${sample.name}`);
      }
    }
  });

  it('sync-worker: change processed, commit→publish latency observed, consumer lag per partition', () => {
    assert.equal(moved('worker', 'idsync_worker_changes_total', { outcome: 'published' }), 1);
    assert.equal(moved('worker', 'idsync_worker_events_published_total', { type: 'idsync.user.created' }), 1);
    assert.equal(moved('worker', 'idsync_worker_commit_to_publish_seconds_count'), 1);
    assert.ok(after_.worker.sum('idsync_worker_commit_to_publish_seconds_sum') > 0);
    const lag = after_.worker.find('idsync_kafka_consumer_lag', { group: `${prefix}-worker`, topic: topicName(TOPICS.scimChanges, prefix) });
    assert.equal(lag.length, PARTITIONS, 'one lag series per partition of the input topic');
    assert.ok(lag.every((s) => s.value >= 0));
    assert.ok(after_.worker.sum('idsync_http_request_duration_seconds_count', { route: '/health/ready' }) >= 1, 'HTTP metrics on every app');
  });

  it('webhook-delivery: events received, delivery created and delivered, attempt latency, consumer lag', () => {
    assert.equal(moved('webhooks', 'idsync_webhook_events_received_total', { type: 'idsync.user.created' }), 1);
    assert.equal(moved('webhooks', 'idsync_webhook_deliveries_created_total'), 1);
    assert.equal(moved('webhooks', 'idsync_webhook_attempts_total', { outcome: 'delivered' }), 1);
    assert.equal(moved('webhooks', 'idsync_webhook_attempt_duration_seconds_count'), 1);
    const lag = after_.webhooks.find('idsync_kafka_consumer_lag', { group: `${prefix}-webhook`, topic: topicName(TOPICS.identityEvents, prefix) });
    assert.equal(lag.length, PARTITIONS);
    assert.ok(after_.webhooks.sum('idsync_http_request_duration_seconds_count', { method: 'POST', route: '/admin/subscriptions', status_code: '201' }) >= 1);
  });

  it('main.ts wiring: the API apps serve their OpenAPI document at /docs/openapi.json, sync-worker serves none', async () => {
    for (const [app, title] of [
      [gateway, 'idsync scim-gateway'],
      [webhooks, 'idsync webhook-delivery'],
    ] as const) {
      const res = await fetch(`${app.url}/docs/openapi.json`);
      assert.equal(res.status, 200, app.name);
      assert.equal(((await res.json()) as { info: { title: string } }).info.title, title);
    }
    assert.equal((await fetch(`${worker.url}/docs/openapi.json`)).status, 404);
  });

  it('the consumer lag is the real lag: records the group has not consumed, back to 0 once it has', async () => {
    await worker.kill('SIGTERM');
    const created = await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'metrics.lag@example.com' });
    assert.equal(created.status, 201, created.text);
    await waitFor(async () => (await scrape(gateway.url)).sum('idsync_outbox_backlog') === 0, { timeoutMs: 30_000, what: 'the change relayed to Kafka' });
    // Nobody consumes the changes topic now: the same computation the monitor runs sees one record of lag.
    const kafka = new Kafka({ clientId: `${prefix}-lag-probe`, brokers: testKafkaBrokers().split(','), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const lag = await fetchConsumerLag(admin, { groupId: `${prefix}-worker`, topics: [topicName(TOPICS.scimChanges, prefix)] });
      assert.equal(lag.length, PARTITIONS);
      assert.equal(lag.reduce((a, p) => a + p.lag, 0), 1);
    } finally {
      await admin.disconnect();
    }
    await worker.start();
    await waitFor(() => receiver.requests.length >= 2, { timeoutMs: 60_000, what: 'the second webhook' });
    await waitFor(
      async () => {
        const lag = (await scrape(worker.url)).find('idsync_kafka_consumer_lag', { group: `${prefix}-worker` });
        return lag.length === PARTITIONS && lag.every((s) => s.value === 0);
      },
      { timeoutMs: 40_000, intervalMs: 1_000, what: 'worker lag back to 0 on /metrics' },
    );
  });

  describe('Grafana dashboard and Prometheus scrape config', () => {
    interface Target {
      expr?: string;
    }
    interface Panel {
      title?: string;
      targets?: Target[];
      panels?: Panel[];
    }
    interface Dashboard {
      title: string;
      panels: Panel[];
      templating: { list: { name: string; type: string; query?: string | { query?: string } }[] };
    }
    const dashboard = JSON.parse(fs.readFileSync(path.join(ROOT, 'deploy', 'grafana', 'idsync-dashboard.json'), 'utf8')) as Dashboard;
    const panels = (list: Panel[]): Panel[] => list.flatMap((p) => [p, ...panels(p.panels ?? [])]);
    const exprs = (): { where: string; expr: string }[] => [
      ...panels(dashboard.panels).flatMap((p) => (p.targets ?? []).filter((t) => t.expr).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr as string }))),
      ...dashboard.templating.list
        .filter((v) => v.type === 'query')
        .map((v) => ({ where: `variable $${v.name}`, expr: typeof v.query === 'string' ? v.query : (v.query?.query ?? '') })),
    ];

    it('every PromQL expression references only metric names the apps expose', () => {
      const exposed = new Set([...Object.values(after_).flatMap((e) => [...e.names])]);
      assert.ok(exposed.has('idsync_http_request_duration_seconds_bucket'));
      const all = exprs();
      assert.ok(all.length >= 10, `only ${all.length} expressions`);
      for (const { where, expr } of all) {
        const names = [...expr.matchAll(/\bidsync_[a-z0-9_]+/g)].map((m) => m[0]);
        assert.ok(names.length > 0, `${where}: ${expr} references no idsync metric`);
        for (const name of names) assert.ok(exposed.has(name), `${where}: ${name} is exposed by no app (${expr})`);
      }
    });

    it('has a Prometheus datasource variable and a tenant variable fed by the SCIM operations metric', () => {
      const vars = dashboard.templating.list;
      assert.ok(vars.some((v) => v.type === 'datasource' && (v as { query?: unknown }).query === 'prometheus'), 'datasource variable of type prometheus');
      const tenant = vars.find((v) => v.name === 'tenant');
      assert.ok(tenant, 'tenant variable');
      const query = typeof tenant.query === 'string' ? tenant.query : (tenant.query?.query ?? '');
      assert.match(query, /label_values\(idsync_scim_operations_total,\s*tenant\)/);
      assert.ok(exprs().some((e) => e.expr.includes('tenant=~"$tenant"')), 'some panel filters by $tenant');
    });

    it('prometheus.yml scrapes the three apps on their /metrics ports', async () => {
      const { parse } = await import('yaml');
      const config = parse(fs.readFileSync(path.join(ROOT, 'deploy', 'prometheus', 'prometheus.yml'), 'utf8')) as {
        scrape_configs: { job_name: string; metrics_path?: string; static_configs?: { targets: string[] }[] }[];
      };
      const targets = config.scrape_configs.flatMap((j) => (j.static_configs ?? []).flatMap((s) => s.targets.map((t) => ({ job: j.job_name, path: j.metrics_path ?? '/metrics', target: t }))));
      for (const [app, port] of [['scim-gateway', 3000], ['sync-worker', 3001], ['webhook-delivery', 3002]] as const) {
        const t = targets.find((x) => x.target.endsWith(`:${port}`));
        assert.ok(t, `no scrape target on :${port} (${app})`);
        assert.equal(t.path, '/metrics');
      }
    });
  });
});
