import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, testKafkaBrokers, uniqueTopicPrefix, type TestDatabase } from '@idsync/testing';
import { ADMIN_TOKEN } from '../faults/fault-helpers';
import { startAppProcess, stopAllAppProcesses, type AppProcess } from '../support/app-process';
import { scrape } from './prometheus-text';

/** Node processes transpiling TypeScript on a shared, busy machine can take a while to start. */
const START_TIMEOUT_MS = 180_000;

// /metrics is what tells operators something is wrong: it must keep answering when PostgreSQL is
// gone (the outbox gauges are read from the database on every scrape).
describe('metrics: /metrics keeps answering while the database is gone', { timeout: 480_000 }, () => {
  let db: TestDatabase;
  let gateway: AppProcess;
  let webhooks: AppProcess;

  before(async () => {
    db = await createTestDatabase('metrics_nodb');
    const prefix = uniqueTopicPrefix('metrics-nodb');
    const env = { DATABASE_URL: db.url, KAFKA_BROKERS: testKafkaBrokers(), KAFKA_TOPIC_PREFIX: prefix, ADMIN_API_TOKEN: ADMIN_TOKEN };
    gateway = await startAppProcess({ app: 'scim-gateway', name: 'gateway', startTimeoutMs: START_TIMEOUT_MS, env });
    webhooks = await startAppProcess({ app: 'webhook-delivery', name: 'webhooks', startTimeoutMs: START_TIMEOUT_MS, env: { ...env, WEBHOOK_GROUP_ID: `${prefix}-webhook` } });
  });

  after(async () => {
    await stopAllAppProcesses();
    await db?.drop();
  });

  it('gateway and webhook-delivery answer 200 with their series after the database was dropped', async () => {
    assert.equal((await scrape(gateway.url)).find('idsync_outbox_backlog').length, 1);
    await scrape(webhooks.url);
    await db.drop(); // WITH (FORCE): the apps' connections are terminated, new ones are refused
    for (const app of [gateway, webhooks]) {
      assert.equal((await fetch(`${app.url}/health/ready`)).status, 503, `${app.name} readiness reports the database`);
      const res = await fetch(`${app.url}/metrics`);
      assert.equal(res.status, 200, `${app.name}: ${await res.clone().text()}`);
      const now = await scrape(app.url);
      assert.ok(now.sum('idsync_http_request_duration_seconds_count', { route: '/health/ready', status_code: '503' }) >= 1);
      if (app === gateway) assert.equal(now.find('idsync_outbox_backlog').length, 1, 'outbox gauge keeps its last value');
    }
  });
});
