import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { waitFor } from '@idsync/testing';
import { SubscriptionHeadersSealer } from '../../apps/webhook-delivery/src/subscriptions/subscription-headers.sealer';
import { TestReceiver, WebhookHarness, type ReceivedWebhook, type ReceiverBehaviour } from './webhook-harness';

// webhook-delivery against the real broker, database and local HTTP receivers on 127.0.0.1
// (allow-listed). Events are produced straight onto the public topic as binary CloudEvents, the
// way sync-worker publishes them. Retry schedule: 4 attempts, 300 ms apart, no jitter; response
// timeout 10 s.
describe('webhook delivery', { timeout: 300_000 }, () => {
  let harness: WebhookHarness;
  const receivers: TestReceiver[] = [];

  async function receiver(behaviour?: ReceiverBehaviour): Promise<TestReceiver> {
    const r = await TestReceiver.start(behaviour);
    receivers.push(r);
    return r;
  }

  interface DeliveryView {
    id: string;
    status: string;
    attemptCount: number;
    subscriptionId: string;
    eventId: string;
    attempts: Array<{ attemptNumber: number; statusCode: number | null; error: string | null; responseBody: string | null; durationMs: number }>;
  }

  async function deliveries(tenantId: string, query = ''): Promise<DeliveryView[]> {
    const res = await harness.admin<DeliveryView[]>('GET', `/admin/deliveries?tenantId=${tenantId}${query}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  }

  async function delivery(tenantId: string, id: string): Promise<DeliveryView> {
    const res = await harness.admin<DeliveryView>('GET', `/admin/deliveries/${id}?tenantId=${tenantId}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  }

  async function waitForRequests(r: TestReceiver, count: number, what: string, timeoutMs = 30_000): Promise<ReceivedWebhook[]> {
    return waitFor(() => r.requests.length >= count && r.requests, { timeoutMs, intervalMs: 50, what });
  }

  async function waitForStatus(tenantId: string, subscriptionId: string, status: string): Promise<DeliveryView> {
    return waitFor(
      async () => (await deliveries(tenantId, `&subscriptionId=${subscriptionId}`)).find((d) => d.status === status),
      { timeoutMs: 30_000, what: `a ${status} delivery of ${subscriptionId}` },
    );
  }

  before(async () => {
    harness = await WebhookHarness.start({ WEBHOOK_RESPONSE_TIMEOUT_MS: '10000' });
  });

  after(async () => {
    for (const r of receivers) await r.close();
    await harness?.close();
  });

  describe('admin API', () => {
    it('requires the admin token', async () => {
      const tenantId = randomUUID();
      assert.equal((await harness.admin('GET', `/admin/subscriptions?tenantId=${tenantId}`, undefined, 'wrong')).status, 401);
      const res = await fetch(`${harness.url}/admin/subscriptions?tenantId=${tenantId}`);
      assert.equal(res.status, 401);
    });

    it('validates subscriptions with class-validator and the endpoint rules', async () => {
      const tenantId = randomUUID();
      const bad: Array<Record<string, unknown>> = [
        { tenantId, url: 'http://127.0.0.1:1/x', eventTypes: [] },
        { tenantId, url: 'http://127.0.0.1:1/x', eventTypes: ['idsync.*.created'] },
        { tenantId, url: 'not a url', eventTypes: ['*'] },
        { tenantId: 'nope', url: 'http://127.0.0.1:1/x', eventTypes: ['*'] },
        { tenantId, url: 'http://127.0.0.1:1/x', eventTypes: ['*'], maxConcurrency: 0 },
        { tenantId, url: 'http://127.0.0.1:1/x', eventTypes: ['*'], customHeaders: { 'webhook-signature': 'forged' } },
        { tenantId, url: 'http://127.0.0.1:1/x', eventTypes: ['*'], customHeaders: { 'X-Ok': 'a\r\nInjected: 1' } },
        { tenantId, url: 'ftp://127.0.0.1/x', eventTypes: ['*'] },
        { tenantId, url: 'http://user:pw@127.0.0.1:1/x', eventTypes: ['*'] },
        { tenantId, url: 'http://127.0.0.1:1/x', eventTypes: ['*'], unknownField: true },
        { tenantId, url: 'http://127.0.0.1:1/x', eventTypes: ['*'], resourceFilter: 'userName eq' },
        { tenantId, url: 'http://127.0.0.1:1/x', eventTypes: ['*'], resourceFilter: 'shoeSize gt 40' },
        { tenantId, url: 'http://127.0.0.1:1/x', eventTypes: ['*'], attributeMapping: { login: 'emails[type eq' } },
      ];
      for (const body of bad) {
        const res = await harness.admin('POST', '/admin/subscriptions', body);
        assert.equal(res.status, 400, `${JSON.stringify(body)} → ${res.status} ${JSON.stringify(res.body)}`);
      }
    });

    it('shows the secret once, stores it encrypted, and scopes every read by tenant', async () => {
      const tenantId = randomUUID();
      const created = await harness.admin<Record<string, unknown>>('POST', '/admin/subscriptions', {
        tenantId,
        url: 'http://127.0.0.1:1/hooks',
        eventTypes: ['idsync.user.*', 'idsync.group.created'],
        description: 'HR system',
        maxConcurrency: 3,
        customHeaders: { 'X-Api-Key': 'abc' },
        orderedDelivery: true,
      });
      assert.equal(created.status, 201);
      const secret = created.body.secret as string;
      assert.match(secret, /^whsec_[A-Za-z0-9+/=]{40,}$/);
      assert.equal(Buffer.from(secret.slice(6), 'base64').length >= 24, true);
      assert.deepEqual(
        { ...created.body, id: undefined, secret: undefined, createdAt: undefined, updatedAt: undefined },
        {
          id: undefined, secret: undefined, createdAt: undefined, updatedAt: undefined,
          tenantId, url: 'http://127.0.0.1:1/hooks', eventTypes: ['idsync.user.*', 'idsync.group.created'], description: 'HR system',
          enabled: true, disabledReason: null, maxConcurrency: 3, rateLimitPerSecond: null, customHeaders: { 'X-Api-Key': '********' }, orderedDelivery: true, failingSince: null,
          resourceFilter: null, attributeMapping: null,
        },
      );
      const id = created.body.id as string;
      const got = await harness.admin('GET', `/admin/subscriptions/${id}?tenantId=${tenantId}`);
      assert.equal(got.status, 200);
      assert.equal('secret' in got.body, false);
      const listed = await harness.admin<Array<Record<string, unknown>>>('GET', `/admin/subscriptions?tenantId=${tenantId}`);
      assert.deepEqual(listed.body.map((s) => s.id), [id]);
      assert.ok(!JSON.stringify(listed.body).includes(secret));

      const [stored] = await harness.app.get(DataSource).query('SELECT secret_ciphertext FROM webhook_secrets WHERE subscription_id = $1', [id]);
      assert.match(stored.secret_ciphertext, /^v1\.k1\./);
      assert.ok(!stored.secret_ciphertext.includes(secret.slice(6, 20)));
      // Header values are the target's credentials: sealed at rest, never shown again.
      const [row] = await harness.app.get(DataSource).query('SELECT custom_headers, custom_headers_ciphertext, row_to_json(s)::text AS raw FROM webhook_subscriptions s WHERE id = $1', [id]);
      assert.deepEqual(row.custom_headers, { 'X-Api-Key': '' });
      assert.match(row.custom_headers_ciphertext, /^v1\.k1\./);
      assert.ok(!row.raw.includes('abc'), 'no clear header value anywhere in the row');
      assert.deepEqual(got.body.customHeaders, { 'X-Api-Key': '********' });

      const other = randomUUID();
      assert.equal((await harness.admin('GET', `/admin/subscriptions/${id}?tenantId=${other}`)).status, 404);
      assert.equal((await harness.admin('PATCH', `/admin/subscriptions/${id}?tenantId=${other}`, { enabled: false })).status, 404);
      assert.equal((await harness.admin('DELETE', `/admin/subscriptions/${id}?tenantId=${other}`)).status, 404);
      assert.equal((await harness.admin('POST', `/admin/subscriptions/${id}/rotate-secret?tenantId=${other}`, {})).status, 404);
      assert.deepEqual((await harness.admin('GET', `/admin/subscriptions?tenantId=${other}`)).body, []);

      const patched = await harness.admin('PATCH', `/admin/subscriptions/${id}?tenantId=${tenantId}`, { enabled: false, description: 'paused' });
      assert.equal(patched.status, 200);
      assert.equal(patched.body.enabled, false);
      assert.equal(patched.body.maxConcurrency, 3);
      assert.equal((await harness.admin('DELETE', `/admin/subscriptions/${id}?tenantId=${tenantId}`)).status, 204);
      assert.equal((await harness.admin('GET', `/admin/subscriptions/${id}?tenantId=${tenantId}`)).status, 404);
    });
  });

  it('delivers an event from the public topic as a signed structured CloudEvent', async () => {
    const tenantId = randomUUID();
    const r = await receiver();
    const groupsOnly = await receiver();
    const sub = await harness.subscribe(tenantId, r.url, { customHeaders: { 'X-Receiver-Key': 'k-123' } });
    await harness.subscribe(tenantId, groupsOnly.url, { eventTypes: ['idsync.group.*'] });
    const event = await harness.publishIdentityEvent(tenantId);

    // The first event also waits for the consumer group to join: generous timeout.
    const [request] = await waitForRequests(r, 1, 'the webhook', 90_000);
    const payload = new Webhook(sub.secret).verify(request.body, request.headers as Record<string, string>) as Record<string, unknown>;
    assert.equal(request.headers['content-type'], 'application/cloudevents+json; charset=utf-8');
    assert.equal(request.headers['x-receiver-key'], 'k-123');
    assert.match(String(request.headers['webhook-id']), /^msg_[0-9a-f-]{36}$/);
    assert.ok(Math.abs(Number(request.headers['webhook-timestamp']) - Date.now() / 1000) < 120);
    assert.match(String(request.headers['webhook-signature']), /^v1,[A-Za-z0-9+/=]+$/);
    assert.equal(payload.specversion, '1.0');
    assert.equal(payload.id, event.id);
    assert.equal(payload.type, 'idsync.user.created');
    assert.equal(payload.source, '/idsync/test');
    assert.equal(payload.subject, `Users/${event.resourceId}`);
    assert.equal(payload.tenantid, tenantId);
    assert.equal(typeof payload.time, 'string');
    assert.equal((payload.data as { resourceId: string }).resourceId, event.resourceId);

    const delivered = await waitForStatus(tenantId, sub.id, 'delivered');
    const detail = await delivery(tenantId, delivered.id);
    assert.equal(detail.eventId, event.id);
    assert.equal(detail.attempts.length, 1);
    assert.equal(detail.attempts[0].statusCode, 204);
    assert.equal(groupsOnly.requests.length, 0, 'a subscription for other event types gets nothing');
    assert.equal((await deliveries(tenantId)).length, 1, 'one delivery record: only the matching subscription');
  });

  it('custom headers: sealed at rest, masked on read, kept by a PATCH that sends the mask back; clear rows of old are sealed at start-up', async () => {
    const tenantId = randomUUID();
    const r = await receiver();
    const sub = await harness.subscribe(tenantId, r.url, { customHeaders: { Authorization: 'Bearer target-credential-1' } });
    const db = harness.app.get(DataSource);
    const rawRow = async () => (await db.query('SELECT custom_headers, custom_headers_ciphertext, row_to_json(s)::text AS raw FROM webhook_subscriptions s WHERE id = $1', [sub.id]))[0];
    assert.ok(!(await rawRow()).raw.includes('target-credential-1'));

    await harness.publishIdentityEvent(tenantId);
    assert.equal((await waitForRequests(r, 1, 'the first webhook', 90_000))[0].headers.authorization, 'Bearer target-credential-1');

    // Change one header, send the other back masked: the stored value stays.
    const patch = await harness.admin('PATCH', `/admin/subscriptions/${sub.id}?tenantId=${tenantId}`, { customHeaders: { Authorization: '********', 'X-Team': 'hr' } });
    assert.equal(patch.status, 200);
    assert.deepEqual(patch.body.customHeaders, { Authorization: '********', 'X-Team': '********' });
    await harness.publishIdentityEvent(tenantId);
    const [, second] = await waitForRequests(r, 2, 'the webhook after the PATCH');
    assert.equal(second.headers.authorization, 'Bearer target-credential-1');
    assert.equal(second.headers['x-team'], 'hr');
    // A mask for a header that has no stored value is refused, and nothing changes.
    const refused = await harness.admin('PATCH', `/admin/subscriptions/${sub.id}?tenantId=${tenantId}`, { customHeaders: { 'X-Unknown': '********' } });
    assert.equal(refused.status, 400);
    assert.match(JSON.stringify(refused.body), /X-Unknown/);

    // A row as written before encryption (clear values, no ciphertext) is still delivered, then sealed by the start-up pass.
    await db.query(`UPDATE webhook_subscriptions SET custom_headers = '{"Authorization": "Bearer legacy-2"}', custom_headers_ciphertext = NULL WHERE id = $1`, [sub.id]);
    await harness.publishIdentityEvent(tenantId);
    assert.equal((await waitForRequests(r, 3, 'the webhook from the clear row'))[2].headers.authorization, 'Bearer legacy-2');
    assert.ok((await harness.app.get(SubscriptionHeadersSealer).sealAll()) >= 1);
    const sealed = await rawRow();
    assert.deepEqual(sealed.custom_headers, { Authorization: '' });
    assert.match(sealed.custom_headers_ciphertext, /^v1\.k1\./);
    assert.ok(!sealed.raw.includes('legacy-2'));
    await harness.publishIdentityEvent(tenantId);
    assert.equal((await waitForRequests(r, 4, 'the webhook from the sealed row'))[3].headers.authorization, 'Bearer legacy-2');
  });

  it('a resource filter selects users of a group; an attribute mapping renames and projects fields', async () => {
    const tenantId = randomUUID();
    const r = await receiver();
    const sub = await harness.subscribe(tenantId, r.url, {
      resourceFilter: 'groups[value eq "g-eng"]',
      attributeMapping: { login: 'userName', work_email: 'emails[type eq "work"].value', team: 'groups.display' },
    });
    const member = { id: 'u-1', userName: 'ada@example.com', emails: [{ type: 'work', value: 'ada@work.example' }], groups: [{ value: 'g-eng', display: 'Engineering' }] };
    const outsider = { id: 'u-2', userName: 'bob@example.com', groups: [{ value: 'g-sales', display: 'Sales' }] };
    const inGroup = await harness.publishIdentityEvent(tenantId, { resource: member });
    await harness.publishIdentityEvent(tenantId, { resource: outsider });
    const deleted = await harness.publishIdentityEvent(tenantId, { type: 'idsync.user.deleted', resource: null });
    await waitForRequests(r, 2, 'the member event and the delete');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const payloads = r.verifyAll(sub.secret) as Array<{ id: string; data: { resource: unknown } }>;
    assert.deepEqual(payloads.map((p) => p.id).sort(), [inGroup.id, deleted.id].sort(), 'the outsider was filtered out; the delete passes');
    const memberPayload = payloads.find((p) => p.id === inGroup.id);
    assert.deepEqual(memberPayload?.data.resource, { login: 'ada@example.com', work_email: ['ada@work.example'], team: ['Engineering'] });
    assert.equal(payloads.find((p) => p.id === deleted.id)?.data.resource, null);
    assert.equal((await deliveries(tenantId)).length, 2);
  });

  it('records one delivery per (event, subscription): a redelivered record sends nothing twice', async () => {
    const tenantId = randomUUID();
    const r = await receiver();
    const sub = await harness.subscribe(tenantId, r.url);
    const id = randomUUID();
    await harness.publishIdentityEvent(tenantId, { id });
    await harness.publishIdentityEvent(tenantId, { id });
    await harness.publishIdentityEvent(tenantId, { type: 'idsync.user.updated' });
    await waitForRequests(r, 2, 'two distinct events');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(r.requests.length, 2);
    assert.equal((await deliveries(tenantId, `&subscriptionId=${sub.id}`)).length, 2);
    r.verifyAll(sub.secret);
  });

  it('a receiver that fails twice gets the message on the third attempt, with the same webhook-id', async () => {
    const tenantId = randomUUID();
    const r = await receiver((n) => (n <= 2 ? 503 : 200));
    const sub = await harness.subscribe(tenantId, r.url);
    await harness.publishIdentityEvent(tenantId);
    const requests = await waitForRequests(r, 3, 'three attempts');
    assert.equal(new Set(requests.map((q) => q.headers['webhook-id'])).size, 1);
    r.verifyAll(sub.secret);
    const delivered = await waitForStatus(tenantId, sub.id, 'delivered');
    const detail = await delivery(tenantId, delivered.id);
    assert.deepEqual(detail.attempts.map((a) => [a.attemptNumber, a.statusCode]), [[1, 503], [2, 503], [3, 200]]);
    assert.equal(detail.attempts[0].responseBody, 'status 503 from the test receiver');
    assert.ok(requests[1].receivedAt - requests[0].receivedAt >= 250, 'the retry waited for the schedule');
  });

  it('a receiver down through the whole schedule ends failed; replay and recover deliver it', async () => {
    const tenantId = randomUUID();
    let up = false;
    const r = await receiver(() => (up ? 204 : 500));
    const sub = await harness.subscribe(tenantId, r.url);
    const first = await harness.publishIdentityEvent(tenantId);
    const failed = await waitForStatus(tenantId, sub.id, 'failed');
    assert.equal(failed.attemptCount, 4);
    assert.equal(r.requests.length, 4);
    assert.equal((await harness.admin('POST', `/admin/deliveries/${failed.id}/replay?tenantId=${randomUUID()}`)).status, 404, 'another tenant cannot replay it');

    up = true;
    const replayed = await harness.admin('POST', `/admin/deliveries/${failed.id}/replay?tenantId=${tenantId}`);
    assert.equal(replayed.status, 202, JSON.stringify(replayed.body));
    await waitForRequests(r, 5, 'the replayed delivery');
    assert.equal(r.requests[4].headers['webhook-id'], r.requests[0].headers['webhook-id']);
    r.verifyAll(sub.secret);
    const detail = await waitFor(async () => {
      const d = await delivery(tenantId, failed.id);
      return d.status === 'delivered' && d;
    }, { what: 'the replay to be recorded' });
    assert.equal(detail.attempts.length, 5);
    assert.equal(detail.eventId, first.id);

    // Recover: every failed delivery of the subscription since a time.
    up = false;
    const since = new Date(Date.now() - 1_000).toISOString();
    await harness.publishIdentityEvent(tenantId);
    await harness.publishIdentityEvent(tenantId);
    await waitFor(async () => (await deliveries(tenantId, `&subscriptionId=${sub.id}&status=failed`)).length === 2, { timeoutMs: 30_000, what: 'two failed deliveries' });
    up = true;
    const recovered = await harness.admin<{ requeued: number }>('POST', `/admin/subscriptions/${sub.id}/recover?tenantId=${tenantId}&since=${encodeURIComponent(since)}`);
    assert.equal(recovered.status, 202, JSON.stringify(recovered.body));
    assert.equal(recovered.body.requeued, 2);
    await waitFor(async () => (await deliveries(tenantId, `&subscriptionId=${sub.id}&status=delivered`)).length === 3, { timeoutMs: 30_000, what: 'recovered deliveries' });
    r.verifyAll(sub.secret);
    assert.equal((await harness.admin('POST', `/admin/subscriptions/${sub.id}/recover?tenantId=${tenantId}&since=yesterday`)).status, 400);
  });

  it('ordered delivery: a failing message holds back later ones about the same resource only', async () => {
    const tenantId = randomUUID();
    const resourceA = randomUUID();
    const resourceB = randomUUID();
    let failuresOfA = 0;
    const r = await receiver();
    // Resource A's first message fails twice; everything else succeeds.
    r.behaviour = (n) => {
      const body = JSON.parse(r.requests[n - 1].body) as { data: { resourceId: string } };
      if (body.data.resourceId === resourceA && failuresOfA < 2) {
        failuresOfA += 1;
        return 500;
      }
      return 204;
    };
    const sub = await harness.subscribe(tenantId, r.url, { orderedDelivery: true });
    const a1 = await harness.publishIdentityEvent(tenantId, { resourceId: resourceA });
    const a2 = await harness.publishIdentityEvent(tenantId, { resourceId: resourceA, type: 'idsync.user.updated' });
    const b1 = await harness.publishIdentityEvent(tenantId, { resourceId: resourceB });
    await waitFor(async () => (await deliveries(tenantId, `&subscriptionId=${sub.id}&status=delivered`)).length === 3, { timeoutMs: 30_000, what: 'three delivered' });
    r.verifyAll(sub.secret);
    const seen = r.requests.map((q) => ({ id: (JSON.parse(q.body) as { id: string }).id, at: q.receivedAt }));
    assert.deepEqual(
      seen.filter((s) => s.id !== b1.id).map((s) => s.id),
      [a1.id, a1.id, a1.id, a2.id],
      'a2 only after a1 got through',
    );
    const a1Delivered = seen.filter((s) => s.id === a1.id)[2].at;
    assert.ok((seen.find((s) => s.id === b1.id)?.at ?? Infinity) <= a1Delivered, 'b1 was not held back by a1');
  });

  it('410 Gone disables the subscription', async () => {
    const tenantId = randomUUID();
    const r = await receiver(() => 410);
    const sub = await harness.subscribe(tenantId, r.url);
    await harness.publishIdentityEvent(tenantId);
    await waitForStatus(tenantId, sub.id, 'failed');
    const got = await harness.admin('GET', `/admin/subscriptions/${sub.id}?tenantId=${tenantId}`);
    assert.equal(got.body.enabled, false);
    assert.match(String(got.body.disabledReason), /410/);
    assert.equal(r.requests.length, 1);
    await harness.publishIdentityEvent(tenantId);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(r.requests.length, 1, 'a disabled subscription gets nothing');
  });

  it('a hanging receiver does not delay a healthy one', async () => {
    const tenantId = randomUUID();
    const hanging = await receiver(() => 'hang');
    const healthy = await receiver();
    const stuck = await harness.subscribe(tenantId, hanging.url, { maxConcurrency: 1 });
    const sub = await harness.subscribe(tenantId, healthy.url);
    for (let i = 0; i < 5; i++) await harness.publishIdentityEvent(tenantId);
    await waitForRequests(healthy, 5, 'all five events at the healthy receiver', 30_000);
    healthy.verifyAll(sub.secret);
    // Everything reached the healthy receiver while the hanging endpoint's first attempt was still
    // open (the response timeout is 10 s): nothing of it has been recorded yet.
    assert.equal(hanging.requests.length, 1, 'max concurrency 1: one attempt at a time to the hanging endpoint');
    const stuckDeliveries = await deliveries(tenantId, `&subscriptionId=${stuck.id}`);
    assert.equal(stuckDeliveries.length, 5);
    assert.ok(stuckDeliveries.every((d) => d.status === 'pending'));
    for (const d of stuckDeliveries) assert.deepEqual((await delivery(tenantId, d.id)).attempts, []);
    // Queue depth per endpoint and the age of its oldest pending delivery are exported.
    const metrics = await (await fetch(`${harness.url}/metrics`)).text();
    assert.match(metrics, new RegExp(`^idsync_webhook_pending_deliveries\\{subscription="${stuck.id}"\\} 5$`, 'm'));
    assert.match(metrics, new RegExp(`^idsync_webhook_oldest_pending_seconds\\{subscription="${stuck.id}"\\} [0-9.e+-]+$`, 'm'));
    assert.match(metrics, /^idsync_webhook_attempts_total\{outcome="delivered"\} [1-9]\d*$/m);
    // Let the rest of the file run without it.
    assert.equal((await harness.admin('PATCH', `/admin/subscriptions/${stuck.id}?tenantId=${tenantId}`, { enabled: false })).status, 200);
    await hanging.close();
  });

  it('a rate limit spaces out attempts to one endpoint', async () => {
    const tenantId = randomUUID();
    const r = await receiver();
    const sub = await harness.subscribe(tenantId, r.url, { rateLimitPerSecond: 2 });
    for (let i = 0; i < 8; i++) await harness.publishIdentityEvent(tenantId);
    await waitForRequests(r, 8, 'eight rate-limited webhooks', 60_000);
    r.verifyAll(sub.secret);
    const times = r.requests.map((q) => q.receivedAt);
    // A full bucket (2) at once, then 2 per second: the other 6 take about 3 s.
    assert.ok(times[7] - times[0] >= 2_400, `8 attempts at 2/s took ${times[7] - times[0]} ms`);
    for (const start of times) {
      const inWindow = times.filter((t) => t >= start && t < start + 1_000).length;
      assert.ok(inWindow <= 4, `${inWindow} attempts within one second`);
    }
    const removed = await harness.admin('PATCH', `/admin/subscriptions/${sub.id}?tenantId=${tenantId}`, { rateLimitPerSecond: null });
    assert.equal(removed.body.rateLimitPerSecond, null);
  });

  it('during a rotation grace period both the old and new secret verify', async () => {
    const tenantId = randomUUID();
    const r = await receiver();
    const sub = await harness.subscribe(tenantId, r.url);
    const rotated = await harness.admin<{ secret: string; previousSecretExpiresAt: string }>('POST', `/admin/subscriptions/${sub.id}/rotate-secret?tenantId=${tenantId}`, { gracePeriodSeconds: 3600 });
    assert.equal(rotated.status, 201, JSON.stringify(rotated.body));
    assert.notEqual(rotated.body.secret, sub.secret);
    await harness.publishIdentityEvent(tenantId);
    const [request] = await waitForRequests(r, 1, 'a webhook after rotation');
    assert.equal(String(request.headers['webhook-signature']).split(' ').length, 2);
    r.verifyAll(sub.secret);
    r.verifyAll(rotated.body.secret);

    // Grace period 0: only the newest secret signs.
    const again = await harness.admin<{ secret: string }>('POST', `/admin/subscriptions/${sub.id}/rotate-secret?tenantId=${tenantId}`, { gracePeriodSeconds: 0 });
    await harness.publishIdentityEvent(tenantId);
    const requests = await waitForRequests(r, 2, 'a webhook after the second rotation');
    assert.equal(String(requests[1].headers['webhook-signature']).split(' ').length, 1);
    new Webhook(again.body.secret).verify(requests[1].body, requests[1].headers as Record<string, string>);
    assert.throws(() => new Webhook(rotated.body.secret).verify(requests[1].body, requests[1].headers as Record<string, string>));
  });

  it('lists deliveries by status, event type and time', async () => {
    const tenantId = randomUUID();
    const r = await receiver();
    await harness.subscribe(tenantId, r.url);
    const before = new Date().toISOString();
    await harness.publishIdentityEvent(tenantId, { type: 'idsync.user.deleted' });
    await harness.publishIdentityEvent(tenantId, { type: 'idsync.user.updated' });
    await waitForRequests(r, 2, 'two webhooks');
    await waitFor(async () => (await deliveries(tenantId, '&status=delivered')).length === 2, { what: 'two delivered' });
    assert.equal((await deliveries(tenantId, '&eventType=idsync.user.deleted')).length, 1);
    assert.equal((await deliveries(tenantId, '&status=failed')).length, 0);
    assert.equal((await deliveries(tenantId, `&since=${encodeURIComponent(before)}`)).length, 2);
    assert.equal((await deliveries(tenantId, `&until=${encodeURIComponent(before)}`)).length, 0);
    assert.equal((await deliveries(tenantId, '&limit=1')).length, 1);
    assert.equal((await deliveries(randomUUID())).length, 0);
    assert.equal((await harness.admin('GET', `/admin/deliveries?tenantId=${tenantId}&status=weird`)).status, 400);
  });

  it('a restart in the middle of a retry schedule loses nothing', async () => {
    const tenantId = randomUUID();
    let up = false;
    const r = await receiver(() => (up ? 204 : 500));
    const sub = await harness.subscribe(tenantId, r.url);
    await harness.publishIdentityEvent(tenantId);
    await waitForRequests(r, 1, 'the first (failing) attempt');
    await harness.stopApp();
    const attemptsWhileDown = r.requests.length;
    assert.ok(attemptsWhileDown < 4);
    // While the app is down the pending retry is in the table, not in memory.
    const client = new pg.Client({ connectionString: harness.db.url });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT status, attempt_count, next_attempt_at FROM webhook_deliveries WHERE subscription_id = $1', [sub.id]);
      assert.equal(rows.length, 1);
      assert.equal(rows[0].status, 'pending');
      assert.ok(rows[0].next_attempt_at instanceof Date);
    } finally {
      await client.end();
    }
    up = true;
    await harness.startApp();
    await waitForRequests(r, attemptsWhileDown + 1, 'the retry after the restart');
    const delivered = await waitForStatus(tenantId, sub.id, 'delivered');
    const detail = await delivery(tenantId, delivered.id);
    assert.equal(detail.attempts.at(-1)?.statusCode, 204);
    assert.equal(new Set(r.requests.map((q) => q.headers['webhook-id'])).size, 1);
    r.verifyAll(sub.secret);
  });
});
