import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { request } from 'undici';
import { waitFor } from '@idsync/testing';
import { TestReceiver, WebhookHarness } from './webhook-harness';

// SSRF protection with production-like settings: https only (WEBHOOK_ALLOW_HTTP off) and nothing
// allow-listed. Refusals must happen before any connection: undici's connector calls net.connect,
// which is wrapped here to record every target, and a receiver on 127.0.0.1 counts connections.
// Only loopback receivers exist; 169.254.169.254 and 10.0.0.1 are never dialled.
describe('webhook SSRF protection', { timeout: 180_000 }, () => {
  let harness: WebhookHarness;
  let receiver: TestReceiver;
  const dialled: string[] = [];
  const realConnect = net.connect;

  before(async () => {
    Object.defineProperty(net, 'connect', {
      configurable: true,
      writable: true,
      value: (...args: unknown[]) => {
        const opts = args[0] as { host?: string; port?: number } | undefined;
        if (opts && typeof opts === 'object') dialled.push(`${opts.host}:${opts.port}`);
        return (realConnect as (...a: unknown[]) => net.Socket)(...args);
      },
    });
    receiver = await TestReceiver.start();
    harness = await WebhookHarness.start({ WEBHOOK_ALLOW_HTTP: 'false', WEBHOOK_ALLOWED_CIDRS: '', WEBHOOK_RETRY_SCHEDULE_MS: '0' });
  });

  after(async () => {
    Object.defineProperty(net, 'connect', { configurable: true, writable: true, value: realConnect });
    await receiver?.close();
    await harness?.close();
  });

  it('refuses http:// endpoint URLs unless WEBHOOK_ALLOW_HTTP is on', async () => {
    const res = await harness.admin<{ message: string[] }>('POST', '/admin/subscriptions', { tenantId: randomUUID(), url: 'http://example.com/hook', eventTypes: ['*'] });
    assert.equal(res.status, 400);
    assert.match(JSON.stringify(res.body.message), /https/);
  });

  it('refuses loopback, metadata, private and loopback-resolving hosts at connect time, without connecting', async () => {
    const tenantId = randomUUID();
    const targets = {
      loopback: `https://127.0.0.1:${receiver.port}/hooks`,
      metadata: 'https://169.254.169.254/latest/meta-data/',
      private: 'https://10.0.0.1/hooks',
      localhost: `https://localhost:${receiver.port}/hooks`,
      ipv6Loopback: `https://[::1]:${receiver.port}/hooks`,
    };
    const subscriptionIds = new Map<string, string>();
    for (const [name, url] of Object.entries(targets)) subscriptionIds.set(name, (await harness.subscribe(tenantId, url)).id);
    await harness.publishIdentityEvent(tenantId);

    const expected: Record<string, RegExp> = {
      loopback: /^address refused: 127\.0\.0\.1 is a loopback address$/,
      metadata: /^address refused: 169\.254\.169\.254 is a link-local \(cloud metadata\) address$/,
      private: /^address refused: 10\.0\.0\.1 is a private address$/,
      localhost: /^address refused: localhost resolves to (127\.0\.0\.1|::1) is a loopback address$/,
      ipv6Loopback: /^address refused: ::1 is a loopback address$/,
    };
    // One attempt each (schedule "0"), so every delivery ends failed with the refusal logged.
    for (const [name, id] of subscriptionIds) {
      const [failed] = await waitFor(
        async () => {
          const res = await harness.admin<Array<{ id: string; status: string }>>('GET', `/admin/deliveries?tenantId=${tenantId}&subscriptionId=${id}&status=failed`);
          return res.body.length === 1 && res.body;
        },
        { timeoutMs: 90_000, what: `the ${name} delivery to fail` },
      );
      const detail = await harness.admin<{ attempts: Array<{ statusCode: number | null; error: string }> }>('GET', `/admin/deliveries/${failed.id}?tenantId=${tenantId}`);
      assert.equal(detail.body.attempts.length, 1, name);
      assert.equal(detail.body.attempts[0].statusCode, null, name);
      assert.match(detail.body.attempts[0].error, expected[name], name);
    }

    assert.equal(receiver.connections, 0, 'the loopback receiver never saw a connection');
    assert.equal(receiver.requests.length, 0);
    for (const host of ['169.254.169.254', '10.0.0.1', '127.0.0.1', '::1']) {
      assert.ok(!dialled.some((d) => d === `${host}:${host === '127.0.0.1' || host === '::1' ? receiver.port : 443}`), `net.connect was never called for ${host} (${dialled.join(', ')})`);
    }

    // Control: the wrapper does see undici's connections (same undici, same net module).
    const res = await request(`http://127.0.0.1:${receiver.port}/control`, { method: 'POST', body: '{}' });
    await res.body.text();
    assert.ok(dialled.includes(`127.0.0.1:${receiver.port}`), `the net.connect wrapper recorded the control request (${dialled.join(', ')})`);
    assert.equal(receiver.connections, 1);
  });
});
