import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DataSource } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { waitFor } from '@idsync/testing';
import { TestReceiver, WebhookHarness } from './webhook-harness';

// An endpoint whose every attempt fails for WEBHOOK_AUTO_DISABLE_AFTER_MS (here 1.5 s; attempts
// 400 ms apart) is disabled; one that recovers in time is not. Re-enabling starts a fresh period.
describe('automatic disabling of failing endpoints', { timeout: 180_000 }, () => {
  let harness: WebhookHarness;
  const receivers: TestReceiver[] = [];

  before(async () => {
    harness = await WebhookHarness.start({ WEBHOOK_AUTO_DISABLE_AFTER_MS: '1500', WEBHOOK_RETRY_SCHEDULE_MS: '0,400,400,400,400,400,400,400,400,400' });
  });

  after(async () => {
    for (const r of receivers) await r.close();
    await harness?.close();
  });

  it('disables an endpoint failing continuously, not one that recovers, and re-enabling resets the period', async () => {
    const tenantId = randomUUID();
    const down = await TestReceiver.start(() => 500);
    const flaky = await TestReceiver.start((n) => (n <= 2 ? 500 : 204));
    receivers.push(down, flaky);
    const dead = await harness.subscribe(tenantId, down.url);
    const recovering = await harness.subscribe(tenantId, flaky.url);
    await harness.publishIdentityEvent(tenantId);

    const disabled = await waitFor(
      async () => {
        const res = await harness.admin<{ enabled: boolean; disabledReason: string | null; failingSince: string | null }>('GET', `/admin/subscriptions/${dead.id}?tenantId=${tenantId}`);
        return res.body.enabled === false && res.body;
      },
      { timeoutMs: 90_000, what: 'the failing subscription to be disabled' },
    );
    assert.match(String(disabled.disabledReason), /every attempt has failed since .* \(WEBHOOK_AUTO_DISABLE_AFTER_MS\)/);
    assert.ok(disabled.failingSince);
    const audit = (await harness.app.get(DataSource).query(
      `SELECT action, details->>'reason' AS reason FROM audit_log WHERE resource_id = $1 AND action = 'webhook.subscription.disabled'`,
      [dead.id],
    )) as Array<{ action: string; reason: string }>;
    assert.deepEqual(audit, [{ action: 'webhook.subscription.disabled', reason: 'failing' }], 'the automatic disable is recorded as an audit event');
    const attemptsWhenDisabled = down.requests.length;
    assert.ok(attemptsWhenDisabled >= 2, `failed for at least 1.5 s before being disabled (${attemptsWhenDisabled} attempts)`);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    assert.equal(down.requests.length, attemptsWhenDisabled, 'no attempts while disabled');

    const healthy = await harness.admin<{ enabled: boolean; failingSince: string | null }>('GET', `/admin/subscriptions/${recovering.id}?tenantId=${tenantId}`);
    assert.equal(healthy.body.enabled, true);
    assert.equal(healthy.body.failingSince, null);
    assert.equal(flaky.requests.length, 3);

    // Re-enabled: the failing period starts afresh, and the pending delivery is attempted again.
    down.behaviour = () => 204;
    const enabled = await harness.admin<{ enabled: boolean; disabledReason: string | null; failingSince: string | null }>('PATCH', `/admin/subscriptions/${dead.id}?tenantId=${tenantId}`, { enabled: true });
    assert.deepEqual([enabled.body.enabled, enabled.body.disabledReason, enabled.body.failingSince], [true, null, null]);
    await waitFor(() => down.requests.length > attemptsWhenDisabled, { timeoutMs: 30_000, what: 'the pending delivery after re-enabling' });
    down.verifyAll(dead.secret);
    const metrics = await (await fetch(`${harness.url}/metrics`)).text();
    assert.match(metrics, /^idsync_webhook_subscriptions_disabled_total\{reason="failing"\} 1$/m);
  });
});
