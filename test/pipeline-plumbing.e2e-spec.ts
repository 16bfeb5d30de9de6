import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createIdsyncApp } from '@idsync/platform';
import { createTestDatabase, setAppEnv, testKafkaBrokers, uniqueTopicPrefix, waitFor, type TestDatabase } from '@idsync/testing';

// The three apps, started in-process through the same createIdsyncApp() their main.ts uses,
// against the real broker and database: a change committed to the gateway's outbox is relayed
// through Nest's Kafka transport to the worker, which publishes a CloudEvent that
// webhook-delivery consumes.
describe('pipeline plumbing: gateway → Kafka → sync-worker → Kafka → webhook-delivery', () => {
  let db: TestDatabase;
  const apps: INestApplication[] = [];

  before(async () => {
    db = await createTestDatabase('plumbing');
    const prefix = uniqueTopicPrefix('plumbing');
    setAppEnv({
      DATABASE_URL: db.url,
      KAFKA_BROKERS: testKafkaBrokers(),
      KAFKA_TOPIC_PREFIX: prefix,
      WORKER_GROUP_ID: `${prefix}-worker`,
      WEBHOOK_GROUP_ID: `${prefix}-webhook`,
      OUTBOX_POLL_MS: '200',
    });
    const { ScimGatewayModule } = await import('../apps/scim-gateway/src/app.module');
    const { SyncWorkerModule } = await import('../apps/sync-worker/src/app.module');
    const { WebhookDeliveryModule } = await import('../apps/webhook-delivery/src/app.module');
    apps.push(await createIdsyncApp(ScimGatewayModule, { clientId: 'test-gateway' }));
    const { workerAppOptions } = await import('../apps/sync-worker/src/worker.bootstrap');
    apps.push(await createIdsyncApp(SyncWorkerModule, workerAppOptions()));
    apps.push(await createIdsyncApp(WebhookDeliveryModule, { clientId: 'test-webhook' }));
    for (const app of apps) await app.listen(0, '127.0.0.1');
  });

  after(async () => {
    for (const app of apps.reverse()) await app.close();
    await db?.drop();
  });

  it('every app answers liveness and readiness', async () => {
    for (const app of apps) {
      const url = await app.getUrl();
      assert.equal((await fetch(`${url}/health/live`)).status, 200);
      const ready = await fetch(`${url}/health/ready`);
      assert.equal(ready.status, 200, await ready.text());
    }
  });

  it('delivers an outbox record end to end', async () => {
    const ds = apps[0].get(DataSource);
    const tenantId = randomUUID();
    const resourceId = randomUUID();
    const { topicName, TOPICS, scimChangeKey } = await import('@idsync/contracts');
    await ds.transaction(async (tx) => {
      const { OutboxWriter } = await import('../apps/scim-gateway/src/outbox/outbox-writer');
      await OutboxWriter.enqueue(tx, [
        {
          tenantId,
          topic: topicName(TOPICS.scimChanges),
          key: scimChangeKey(tenantId, resourceId),
          payload: {
            changeId: '1',
            tenantId,
            resourceType: 'User',
            resourceId,
            operation: 'create',
            version: 1,
            occurredAt: new Date().toISOString(),
            actor: { type: 'system', id: 'test' },
            changedAttributes: ['userName'],
            resource: { id: resourceId, userName: 'plumbing@example.com' },
          },
        },
      ]);
    });
    const webhookUrl = await apps[2].getUrl();
    const line = await waitFor(
      async () => {
        const text = await (await fetch(`${webhookUrl}/metrics`)).text();
        return text.split('\n').find((l) => l.startsWith('idsync_webhook_events_received_total{type="idsync.user.created"}'));
      },
      { timeoutMs: 30_000, what: 'webhook-delivery to receive the identity event' },
    );
    assert.match(line, / 1$/);
    const [{ published }] = await ds.query('SELECT count(*)::int AS published FROM outbox WHERE published_at IS NOT NULL');
    assert.equal(published, 1);
  });
});
