import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditChainVerifier } from '@idsync/audit';
import { waitFor } from '@idsync/testing';
import { TestReceiver, WebhookHarness } from '../webhooks/webhook-harness';

// webhook-delivery writes each delivery's FINAL outcome to the same audit_log, chained in the
// tenant's chain: delivered, dead-lettered (retries exhausted), failed permanently (410) — not
// each failed attempt along the way.
describe('audit records of webhook delivery outcomes', { timeout: 180_000 }, () => {
  let harness: WebhookHarness;
  const receivers: TestReceiver[] = [];

  before(async () => {
    harness = await WebhookHarness.start({ WEBHOOK_RETRY_SCHEDULE_MS: '0,100,100' });
  });
  after(async () => {
    for (const r of receivers) await r.close();
    await harness?.close();
  });

  it('records delivered (after retries), dead-lettered and gone once each, and the tenant chain verifies', async () => {
    const tenantId = randomUUID();
    const flaky = await TestReceiver.start((n) => (n === 1 ? 500 : 204));
    const down = await TestReceiver.start(() => 503);
    const gone = await TestReceiver.start(() => 410);
    receivers.push(flaky, down, gone);
    const subs = {
      flaky: await harness.subscribe(tenantId, flaky.url),
      down: await harness.subscribe(tenantId, down.url),
      gone: await harness.subscribe(tenantId, gone.url),
    };
    await harness.publishIdentityEvent(tenantId);

    const db = harness.app.get(DataSource);
    const rows = await waitFor(
      async () => {
        const found = (await db.query(
          `SELECT action, outcome, details FROM audit_log WHERE tenant_id = $1 AND action LIKE 'webhook.delivery.%' ORDER BY seq`,
          [tenantId],
        )) as Array<{ action: string; outcome: string; details: { subscriptionId: string; attempts: number; statusCode: number } }>;
        return found.length >= 3 && found;
      },
      { timeoutMs: 60_000, what: 'three final delivery outcomes' },
    );
    const bySubscription = Object.fromEntries(rows.map((r) => [r.details.subscriptionId, r]));
    assert.deepEqual(
      [bySubscription[subs.flaky.id], bySubscription[subs.down.id], bySubscription[subs.gone.id]].map((r) => [r.action, r.outcome, r.details.attempts, r.details.statusCode]),
      [
        ['webhook.delivery.delivered', 'success', 2, 204],
        ['webhook.delivery.dead_lettered', 'failure', 3, 503],
        ['webhook.delivery.failed', 'failure', 1, 410],
      ],
    );
    assert.equal(down.requests.length, 3, 'three attempts, one audit record');
    const report = await new AuditChainVerifier(db).verify({ tenantId });
    assert.equal(report.ok, true, JSON.stringify(report.firstBreak));
  });
});
