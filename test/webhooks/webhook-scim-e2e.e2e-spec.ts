import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { INestApplication } from '@nestjs/common';
import { Webhook } from 'standardwebhooks';
import { EnvelopeCipher } from '@idsync/crypto';
import { createIdsyncApp } from '@idsync/platform';
import { waitFor } from '@idsync/testing';
import { GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, expectStatus, tenant, type TenantClient } from '../scim/scim-e2e.helpers';
import { startPipeline, type PipelineHarness } from '../pipeline/pipeline-harness';
import { ADMIN_TOKEN, TestReceiver, type ReceivedWebhook } from './webhook-harness';

// Delivery of a SCIM change end to end: real SCIM HTTP writes → outbox → sync-worker → the public
// stream → webhook-delivery → a local receiver on 127.0.0.1 (allow-listed, http allowed). The three
// apps run in this process (createIdsyncApp, as their main.ts do) on one fresh database and one
// topic prefix; every request is verified with the standardwebhooks library.
interface CloudEventBody {
  specversion: string;
  id: string;
  type: string;
  subject: string;
  tenantid: string;
  data: { resourceType: string; resourceId: string; resource: Record<string, unknown> | null; member?: { id: string; type: string } };
}

interface Verified {
  request: ReceivedWebhook;
  webhookId: string;
  event: CloudEventBody;
}

const PASSWORD = 'Sup3r-secret-Pa55!';

describe('webhooks: a SCIM change delivered end to end', { timeout: 240_000 }, () => {
  let pipeline: PipelineHarness;
  let webhooks: INestApplication;
  let webhooksUrl = '';
  let scim: TenantClient;
  const receivers: TestReceiver[] = [];

  async function admin<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${webhooksUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
  }

  async function subscribe(url: string, eventTypes: string[], extra: Record<string, unknown> = {}): Promise<{ id: string; secret: string }> {
    const res = await admin<{ id: string; secret: string }>('POST', '/admin/subscriptions', { tenantId: scim.tenantId, url, eventTypes, ...extra });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  }

  /** Every request so far, each verified with standardwebhooks (throws on a bad signature or timestamp). */
  function verified(receiver: TestReceiver, secret: string): Verified[] {
    const wh = new Webhook(secret);
    return receiver.requests.map((request) => {
      const event = wh.verify(request.body, request.headers as Record<string, string>) as CloudEventBody;
      return { request, webhookId: String(request.headers['webhook-id']), event };
    });
  }

  async function waitForRequests(receiver: TestReceiver, count: number, what: string): Promise<void> {
    await waitFor(() => receiver.requests.length >= count, { timeoutMs: 60_000, intervalMs: 50, what });
  }

  before(async () => {
    // One environment for the three apps: the pipeline harness sets it (fresh database, one unique
    // topic prefix) before importing the gateway and worker; webhook-delivery is imported after.
    pipeline = await startPipeline('webhook_scim', {
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      ENCRYPTION_KEYS: `k1:${EnvelopeCipher.generateKey()}`,
      ENCRYPTION_ACTIVE_KEY_ID: 'k1',
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
      WEBHOOK_RETRY_SCHEDULE_MS: '0,300,300,300',
      WEBHOOK_RETRY_JITTER: '0',
      WEBHOOK_POLL_MS: '100',
      WEBHOOK_RESPONSE_TIMEOUT_MS: '5000',
    });
    const { WebhookDeliveryModule } = await import('../../apps/webhook-delivery/src/app.module');
    webhooks = await createIdsyncApp(WebhookDeliveryModule, { clientId: 'test-webhook-scim' });
    await webhooks.listen(0, '127.0.0.1');
    webhooksUrl = (await webhooks.getUrl()).replace('[::1]', '127.0.0.1');
    scim = await tenant(pipeline.gateway);
  });

  after(async () => {
    for (const r of receivers) await r.close();
    await webhooks?.close();
    await pipeline?.close();
  });

  it('SCIM POST then PATCH active=false (Okta) → signed idsync.user.created, then idsync.user.deactivated', async () => {
    const receiver = await TestReceiver.start();
    receivers.push(receiver);
    // Ordered delivery: the deactivation is held back until the creation is delivered.
    const sub = await subscribe(receiver.url, ['idsync.user.*'], { orderedDelivery: true });

    const created = await scim.post('/Users', {
      schemas: [USER_SCHEMA],
      userName: 'ada@example.com',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [{ value: 'ada@example.com', type: 'work', primary: true }],
      password: PASSWORD,
      active: true,
    });
    expectStatus(created, 201);
    const userId = String(created.body.id);
    expectStatus(await scim.patch(`/Users/${userId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] }), 200);

    await waitForRequests(receiver, 2, 'the created and deactivated webhooks');
    await new Promise((r) => setTimeout(r, 500)); // anything extra would arrive now
    const got = verified(receiver, sub.secret);
    assert.deepEqual(
      got.map((g) => g.event.type),
      ['idsync.user.created', 'idsync.user.deactivated'],
    );
    assert.ok(got[0].request.receivedAt <= got[1].request.receivedAt);

    // webhook-id: one per (event, subscription), unique across messages.
    for (const g of got) assert.match(g.webhookId, /^msg_[0-9a-f-]{36}$/);
    assert.equal(new Set(got.map((g) => g.webhookId)).size, 2);

    for (const g of got) {
      assert.equal(g.request.headers['content-type'], 'application/cloudevents+json; charset=utf-8');
      assert.equal(g.event.specversion, '1.0');
      assert.equal(g.event.tenantid, scim.tenantId);
      assert.equal(g.event.subject, userId);
      assert.equal(g.event.data.resourceType, 'User');
      assert.equal(g.event.data.resourceId, userId);
      assert.equal(g.event.data.resource?.id, userId);
      assert.equal(g.event.data.resource?.userName, 'ada@example.com');
      assert.doesNotMatch(g.request.body, /password/i, 'the payload never carries a password attribute');
      assert.ok(!g.request.body.includes(PASSWORD), 'nor the password value');
    }
    assert.equal(got[0].event.data.resource?.active, true);
    assert.deepEqual(got[0].event.data.resource?.name, { givenName: 'Ada', familyName: 'Lovelace' });
    assert.equal(got[1].event.data.resource?.active, false);

    // The body is the very event sync-worker published (same CloudEvent id).
    const published = await pipeline.reader.waitForEvents((e) => e.ce.subject === userId, 2, 'the published user events');
    assert.deepEqual(
      got.map((g) => g.event.id),
      published.map((e) => e.ce.id),
    );

    // Deliveries are recorded as delivered in one attempt each.
    const deliveries = await admin<Array<{ id: string; status: string; attemptCount: number; eventId: string }>>(
      'GET',
      `/admin/deliveries?tenantId=${scim.tenantId}&subscriptionId=${sub.id}`,
    );
    assert.equal(deliveries.status, 200);
    assert.deepEqual(deliveries.body.map((d) => [d.status, d.attemptCount]), [
      ['delivered', 1],
      ['delivered', 1],
    ]);

    // Stable: replaying the created delivery sends the same webhook-id and body, freshly signed.
    const createdDelivery = deliveries.body.find((d) => d.eventId === got[0].event.id);
    assert.ok(createdDelivery);
    const replay = await admin('POST', `/admin/deliveries/${createdDelivery.id}/replay?tenantId=${scim.tenantId}`);
    assert.equal(replay.status, 202, JSON.stringify(replay.body));
    await waitForRequests(receiver, 3, 'the replayed webhook');
    const again = verified(receiver, sub.secret)[2];
    assert.equal(again.webhookId, got[0].webhookId);
    assert.equal(again.request.body, got[0].request.body);
  });

  it('a group PATCH adding a member → signed idsync.group.member.added to an idsync.group.member.* subscription', async () => {
    const receiver = await TestReceiver.start();
    receivers.push(receiver);
    const sub = await subscribe(receiver.url, ['idsync.group.member.*']);

    const user = await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'grace@example.com' });
    expectStatus(user, 201);
    const userId = String(user.body.id);
    const group = await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Engineering' });
    expectStatus(group, 201);
    const groupId = String(group.body.id);
    // Okta: add a member with PATCH.
    expectStatus(await scim.patch(`/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: userId }] }] }), 200);

    await waitForRequests(receiver, 1, 'the member.added webhook');
    // The user's and the group's own events went through the same stream first; none of them match.
    await pipeline.reader.waitForEvents((e) => e.ce.subject === groupId, 2, 'the group events');
    await new Promise((r) => setTimeout(r, 500));
    const got = verified(receiver, sub.secret);
    assert.deepEqual(
      got.map((g) => g.event.type),
      ['idsync.group.member.added'],
    );
    const [added] = got;
    assert.match(added.webhookId, /^msg_[0-9a-f-]{36}$/);
    assert.equal(added.event.subject, groupId);
    assert.equal(added.event.tenantid, scim.tenantId);
    assert.equal(added.event.data.resourceType, 'Group');
    assert.deepEqual(added.event.data.member, { id: userId, type: 'User' });
    assert.equal(added.event.data.resource?.displayName, 'Engineering');
  });
});
