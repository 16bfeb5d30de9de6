import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { waitFor } from '@idsync/testing';
import { ADMIN_TOKEN, TestReceiver, WebhookHarness } from '../webhooks/webhook-harness';
import { jsonOf, runIdsync, type CliRun } from './cli-runner';

// `idsync subscription|delivery …` (clients of the admin API), run as the real `idsync` bin
// against a running webhook-delivery and real HTTP receivers.
// Each CLI run is a fresh Node process (~3 s of CPU to start); on a loaded machine a test takes minutes.
const PER_TEST = { timeout: 600_000 };

describe('idsync subscription and delivery commands', () => {
  let harness: WebhookHarness;
  let receiver: TestReceiver;
  let up = false;

  const cli = (...args: string[]): Promise<CliRun> => runIdsync([...args, '--webhook-url', harness.url], { ADMIN_API_TOKEN: ADMIN_TOKEN });
  const json = async <T>(...args: string[]): Promise<T> => jsonOf<T>(await cli(...args, '--json'));

  // Waiting polls the admin API directly: a CLI process per poll would only load the shared CPUs.
  async function deliveries(tenant: string, query: Record<string, string>): Promise<Array<{ id: string }>> {
    const res = await fetch(`${harness.url}/admin/deliveries?${new URLSearchParams({ tenantId: tenant, ...query }).toString()}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    assert.equal(res.status, 200);
    return (await res.json()) as Array<{ id: string }>;
  }

  async function failedDeliveries(tenant: string, subscription: string, count: number): Promise<Array<{ id: string }>> {
    return waitFor(
      async () => {
        const rows = await deliveries(tenant, { subscriptionId: subscription, status: 'failed' });
        return rows.length === count && rows;
      },
      { timeoutMs: 120_000, intervalMs: 300, what: `${count} failed deliveries` },
    );
  }

  before(async () => {
    receiver = await TestReceiver.start(() => (up ? 204 : 500));
    harness = await WebhookHarness.start({ WEBHOOK_RETRY_SCHEDULE_MS: '0' });
  });

  after(async () => {
    await receiver?.close();
    await harness?.close();
  });

  it('creates, lists, disables and re-enables subscriptions, and replays a failed delivery', PER_TEST, async () => {
    up = false;
    const tenant = randomUUID();
    const created = await json<{ id: string; secret: string }>('subscription', 'create', '--tenant', tenant, '--url', receiver.url, '--event-type', 'idsync.user.*', '--header', 'X-Team=hr');
    assert.match(created.secret, /^whsec_/);
    const listed = await json<Array<{ id: string; customHeaders: Record<string, string> }>>('subscription', 'list', '--tenant', tenant);
    assert.deepEqual(listed.map((s) => [s.id, s.customHeaders]), [[created.id, { 'X-Team': '********' }]], 'header values are write-only: masked when read');

    await harness.publishIdentityEvent(tenant);
    const [failed] = await failedDeliveries(tenant, created.id, 1);
    const listedFailed = await json<Array<{ id: string; status: string }>>('delivery', 'list', '--tenant', tenant, '--status', 'failed');
    assert.deepEqual(listedFailed.map((d) => [d.id, d.status]), [[failed.id, 'failed']]);
    up = true;
    const replay = await cli('delivery', 'replay', failed.id, '--tenant', tenant);
    assert.equal(replay.code, 0, replay.stderr);
    assert.match(replay.stdout, /requeued/);
    await waitFor(() => receiver.requests.length >= 2, { timeoutMs: 60_000, what: 'the replayed webhook' });
    receiver.verifyAll(created.secret);
    const shown = await json<{ status: string; attempts: unknown[] }>('delivery', 'inspect', failed.id, '--tenant', tenant);
    assert.equal(shown.attempts.length, 2);

    const disabled = await json<{ enabled: boolean }>('subscription', 'disable', created.id, '--tenant', tenant);
    assert.equal(disabled.enabled, false);
    const rotated = await json<{ secret: string }>('subscription', 'rotate-secret', created.id, '--tenant', tenant, '--grace-seconds', '60');
    assert.match(rotated.secret, /^whsec_/);
  });

  it('replays every failed delivery of a subscription, recovers another, then updates and deletes', PER_TEST, async () => {
    up = false;
    const tenant = randomUUID();
    const since = new Date(Date.now() - 1_000).toISOString();
    const a = await json<{ id: string }>('subscription', 'create', '--tenant', tenant, '--url', receiver.url, '--event-type', 'idsync.user.*');
    const b = await json<{ id: string }>('subscription', 'create', '--tenant', tenant, '--url', receiver.url, '--event-type', '*');
    await harness.publishIdentityEvent(tenant);
    await harness.publishIdentityEvent(tenant);
    const failedA = await failedDeliveries(tenant, a.id, 2);
    await failedDeliveries(tenant, b.id, 2);
    up = true;

    const replayed = await json<Array<{ id: string; requeued: boolean }>>('delivery', 'replay', '--failed', '--subscription', a.id, '--tenant', tenant);
    assert.deepEqual(replayed.map((r) => [r.id, r.requeued]).sort(), failedA.map((d) => [d.id, true]).sort());
    const recovered = await json<{ requeued: number }>('delivery', 'recover', '--subscription', b.id, '--since', since, '--tenant', tenant);
    assert.equal(recovered.requeued, 2);
    await waitFor(
      async () => (await deliveries(tenant, { status: 'delivered' })).length === 4,
      { timeoutMs: 120_000, intervalMs: 500, what: 'all four deliveries delivered' },
    );

    const updated = await json<{ description: string; eventTypes: string[] }>('subscription', 'update', a.id, '--tenant', tenant, '--description', 'HR system', '--event-type', 'idsync.group.*');
    assert.deepEqual([updated.description, updated.eventTypes], ['HR system', ['idsync.group.*']]);
    assert.equal((await json<{ description: string }>('subscription', 'show', a.id, '--tenant', tenant)).description, 'HR system');

    assert.equal((await cli('subscription', 'update', a.id, '--tenant', tenant)).code, 2, 'nothing to change');
    assert.equal((await cli('subscription', 'delete', a.id, '--tenant', tenant)).code, 2, 'delete without --yes');
    assert.deepEqual(await json('subscription', 'delete', a.id, '--tenant', tenant, '--yes'), { id: a.id, deleted: true });
    const gone = await cli('subscription', 'show', a.id, '--tenant', tenant);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /^idsync: 404/m);
  });

  it('exits 1 with the API’s message on a refused request, 2 on bad usage', PER_TEST, async () => {
    const refused = await cli('subscription', 'create', '--tenant', randomUUID(), '--url', receiver.url, '--event-type', 'idsync.*.bad');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^idsync: 400: each eventTypes entry must be/m);
    assert.equal((await cli('subscription', 'create', '--url', receiver.url)).code, 2);
    assert.equal((await cli('delivery', 'replay', '--tenant', randomUUID())).code, 2, 'neither ids nor --failed');
    const noToken = await runIdsync(['subscription', 'list', '--tenant', randomUUID(), '--webhook-url', harness.url], { ADMIN_API_TOKEN: '' });
    assert.equal(noToken.code, 1);
    assert.match(noToken.stderr, /ADMIN_API_TOKEN is not set/);
  });
});
