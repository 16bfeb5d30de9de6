import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { waitFor } from '@idsync/testing';
import { TestReceiver, WebhookHarness } from './webhook-harness';

// Three replicas of webhook-delivery on one database and consumer group: every attempt is leased
// to exactly one of them (FOR UPDATE SKIP LOCKED), and an endpoint's maxConcurrency holds across
// all of them.
describe('webhook delivery with several replicas', { timeout: 240_000 }, () => {
  let harness: WebhookHarness;
  let receiver: TestReceiver;

  before(async () => {
    harness = await WebhookHarness.start({ WEBHOOK_POLL_MS: '50' });
    await harness.startReplica();
    await harness.startReplica();
  });

  after(async () => {
    await receiver?.close();
    await harness?.close();
  });

  it('sends each message once and never exceeds maxConcurrency across replicas', async () => {
    // Each answer takes 40 ms, so concurrent attempts overlap and would show in maxInFlight.
    receiver = await TestReceiver.start(() => ({ status: 204, delayMs: 40 }));
    const tenantId = randomUUID();
    const sub = await harness.subscribe(tenantId, receiver.url, { maxConcurrency: 2 });
    const events = 30;
    for (let i = 0; i < events; i++) await harness.publishIdentityEvent(tenantId);
    await waitFor(() => receiver.requests.length >= events, { timeoutMs: 120_000, intervalMs: 100, what: `${events} webhooks` });
    await waitFor(
      async () => {
        const res = await harness.admin<unknown[]>('GET', `/admin/deliveries?tenantId=${tenantId}&status=delivered&limit=1000`);
        return res.body.length === events;
      },
      { timeoutMs: 60_000, what: 'every delivery recorded as delivered' },
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const ids = receiver.requests.map((r) => String(r.headers['webhook-id']));
    assert.equal(ids.length, events, 'no message was sent twice');
    assert.equal(new Set(ids).size, events);
    assert.ok(receiver.maxInFlight <= 2, `at most maxConcurrency (2) requests in flight, saw ${receiver.maxInFlight}`);
    receiver.verifyAll(sub.secret);
  });
});
