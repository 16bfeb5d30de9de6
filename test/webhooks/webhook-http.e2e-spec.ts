import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { waitFor } from '@idsync/testing';
import { TestReceiver, WebhookHarness, type ReceiverBehaviour } from './webhook-harness';

// The HTTP side of an attempt against real local receivers: redirects are not followed, response
// bodies are read only up to the cap, a slow response times out, connections are kept alive.
// One attempt per delivery (schedule "0"), response timeout 1 s, body cap 2 KiB.
describe('webhook HTTP attempts', { timeout: 180_000 }, () => {
  let harness: WebhookHarness;
  const receivers: TestReceiver[] = [];

  interface Attempt {
    statusCode: number | null;
    error: string | null;
    responseBody: string | null;
    durationMs: number;
  }

  async function receiver(behaviour?: ReceiverBehaviour): Promise<TestReceiver> {
    const r = await TestReceiver.start(behaviour);
    receivers.push(r);
    return r;
  }

  /** Subscribes, publishes one event, and returns the finished delivery's status and attempts. */
  async function attemptOnce(url: string): Promise<{ status: string; attempts: Attempt[] }> {
    const tenantId = randomUUID();
    const sub = await harness.subscribe(tenantId, url);
    await harness.publishIdentityEvent(tenantId);
    const [finished] = await waitFor(
      async () => {
        const res = await harness.admin<Array<{ id: string; status: string }>>('GET', `/admin/deliveries?tenantId=${tenantId}&subscriptionId=${sub.id}`);
        return res.body.length === 1 && res.body[0].status !== 'pending' && res.body;
      },
      { timeoutMs: 90_000, what: 'the delivery to finish' },
    );
    const detail = await harness.admin<{ status: string; attempts: Attempt[] }>('GET', `/admin/deliveries/${finished.id}?tenantId=${tenantId}`);
    return detail.body;
  }

  before(async () => {
    harness = await WebhookHarness.start({ WEBHOOK_RETRY_SCHEDULE_MS: '0', WEBHOOK_RESPONSE_TIMEOUT_MS: '1000', WEBHOOK_RESPONSE_BODY_MAX_BYTES: '2048' });
  });

  after(async () => {
    for (const r of receivers) await r.close();
    await harness?.close();
  });

  it('does not follow redirects: a 3xx is a failed attempt', async () => {
    const target = await receiver();
    const redirecting = await receiver(() => ({ status: 307, headers: { location: target.url } }));
    const result = await attemptOnce(redirecting.url);
    assert.equal(result.status, 'failed');
    assert.equal(result.attempts[0].statusCode, 307);
    assert.equal(redirecting.requests.length, 1);
    assert.equal(target.requests.length, 0, 'the redirect target was never called');
  });

  it('reads at most the body cap of a large response, and logs a truncated body', async () => {
    const huge = await receiver(() => ({ status: 200, body: 'x'.repeat(5 * 1024 * 1024) }));
    const result = await attemptOnce(huge.url);
    assert.equal(result.status, 'delivered');
    assert.equal(result.attempts[0].statusCode, 200);
    assert.equal(result.attempts[0].responseBody?.length, 1024);
  });

  it('times out a response that does not complete', async () => {
    const slow = await receiver(() => ({ status: 200, delayMs: 5_000 }));
    const result = await attemptOnce(slow.url);
    assert.equal(result.status, 'failed');
    assert.equal(result.attempts[0].statusCode, null);
    assert.equal(result.attempts[0].error, 'no complete response within 1000 ms');
    assert.ok(result.attempts[0].durationMs >= 900 && result.attempts[0].durationMs < 4_500, `duration ${result.attempts[0].durationMs}`);
  });

  it('reuses kept-alive connections across deliveries to one endpoint', async () => {
    const r = await receiver();
    const tenantId = randomUUID();
    const sub = await harness.subscribe(tenantId, r.url, { maxConcurrency: 1 });
    for (let i = 0; i < 5; i++) await harness.publishIdentityEvent(tenantId);
    await waitFor(() => r.requests.length >= 5, { timeoutMs: 60_000, what: 'five webhooks' });
    r.verifyAll(sub.secret);
    assert.equal(r.connections, 1, 'one connection, kept alive, for five sequential requests');
  });
});
