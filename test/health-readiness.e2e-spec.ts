import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { createIdsyncApp } from '@idsync/platform';
import { createTestDatabase, setAppEnv, uniqueTopicPrefix, waitFor, type TestDatabase } from '@idsync/testing';

type KafkaScript = typeof import('../scripts/kafka.mjs');

// Readiness must follow the broker: 503 within seconds of Kafka stopping, back to 200 when it
// returns, with no restart of the app. This file runs its own broker so it can stop it.
describe('readiness follows Kafka without a restart', () => {
  let kafka: KafkaScript;
  let dir: string;
  let db: TestDatabase;
  let app: INestApplication;
  let url: string;

  before(async () => {
    kafka = await import('../scripts/kafka.mjs');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idsync-readiness-kafka-'));
    const { brokers } = await kafka.startKafka({ dir });
    db = await createTestDatabase('readiness');
    setAppEnv({ DATABASE_URL: db.url, KAFKA_BROKERS: brokers, KAFKA_TOPIC_PREFIX: uniqueTopicPrefix('ready') });
    const { ScimGatewayModule } = await import('../apps/scim-gateway/src/app.module');
    const { gatewayAppOptions } = await import('../apps/scim-gateway/src/gateway.bootstrap');
    app = await createIdsyncApp(ScimGatewayModule, gatewayAppOptions());
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  after(async () => {
    await app?.close();
    await kafka?.stopKafka({ dir });
    fs.rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  });

  const readiness = async () => (await fetch(`${url}/health/ready`)).status;

  it('is ready with Kafka up, 503 within seconds of a stop, 200 again after a start', async () => {
    assert.equal(await readiness(), 200);
    await kafka.stopKafka({ dir });
    const stoppedAt = Date.now();
    await waitFor(async () => (await readiness()) === 503, { timeoutMs: 10_000, what: 'readiness 503 after Kafka stopped' });
    const downAfterMs = Date.now() - stoppedAt;
    assert.ok(downAfterMs < 10_000);
    const body = (await (await fetch(`${url}/health/ready`)).json()) as { error?: Record<string, unknown> };
    assert.ok(body.error?.kafka, `the readiness body names Kafka as the failing dependency: ${JSON.stringify(body)}`);
    assert.equal((await fetch(`${url}/health/live`)).status, 200, 'liveness does not depend on Kafka');

    await kafka.startKafka({ dir });
    await waitFor(async () => (await readiness()) === 200, { timeoutMs: 20_000, what: 'readiness 200 after Kafka restarted' });
  });
});
