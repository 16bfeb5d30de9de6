import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { waitFor } from '@idsync/testing';
import { ADMIN_TOKEN, TestReceiver, WebhookHarness } from '../webhooks/webhook-harness';

// `idsync subscription|delivery …` (clients of the admin API), run as a child process against a running webhook-delivery.
const ROOT = path.resolve(__dirname, '..', '..');

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('webhook CLI', { timeout: 180_000 }, () => {
  let harness: WebhookHarness;
  let receiver: TestReceiver;
  let up = false;

  function cli(...args: string[]): Promise<CliRun> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['-r', './scripts/register.cjs', 'apps/cli/src/main.ts', ...args, '--webhook-url', harness.url], {
        cwd: ROOT,
        env: { ...process.env, ADMIN_API_TOKEN: ADMIN_TOKEN },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.once('error', reject);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  async function json<T>(...args: string[]): Promise<T> {
    const run = await cli(...args, '--json');
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout) as T;
  }

  before(async () => {
    receiver = await TestReceiver.start(() => (up ? 204 : 500));
    harness = await WebhookHarness.start({ WEBHOOK_RETRY_SCHEDULE_MS: '0' });
  });

  after(async () => {
    await receiver?.close();
    await harness?.close();
  });

  it('creates, lists, disables and re-enables subscriptions, and replays a failed delivery', async () => {
    const tenant = randomUUID();
    const created = await json<{ id: string; secret: string }>('subscription', 'create', '--tenant', tenant, '--url', receiver.url, '--event-type', 'idsync.user.*', '--header', 'X-Team=hr');
    assert.match(created.secret, /^whsec_/);
    const listed = await json<Array<{ id: string; customHeaders: Record<string, string> }>>('subscription', 'list', '--tenant', tenant);
    assert.deepEqual(listed.map((s) => [s.id, s.customHeaders]), [[created.id, { 'X-Team': 'hr' }]]);

    await harness.publishIdentityEvent(tenant);
    const [failed] = await waitFor(
      async () => {
        const rows = await json<Array<{ id: string }>>('delivery', 'list', '--tenant', tenant, '--status', 'failed');
        return rows.length === 1 && rows;
      },
      { timeoutMs: 90_000, intervalMs: 500, what: 'a failed delivery' },
    );
    up = true;
    const replay = await cli('delivery', 'replay', failed.id, '--tenant', tenant);
    assert.equal(replay.code, 0, replay.stderr);
    assert.match(replay.stdout, /requeued/);
    await waitFor(() => receiver.requests.length >= 2, { timeoutMs: 30_000, what: 'the replayed webhook' });
    receiver.verifyAll(created.secret);
    const shown = await json<{ status: string; attempts: unknown[] }>('delivery', 'show', failed.id, '--tenant', tenant);
    assert.equal(shown.attempts.length, 2);

    const disabled = await json<{ enabled: boolean }>('subscription', 'disable', created.id, '--tenant', tenant);
    assert.equal(disabled.enabled, false);
    const rotated = await json<{ secret: string }>('subscription', 'rotate-secret', created.id, '--tenant', tenant, '--grace-seconds', '60');
    assert.match(rotated.secret, /^whsec_/);
  });

  it('exits 1 with the API’s message on a refused request, 2 on bad usage', async () => {
    const refused = await cli('subscription', 'create', '--tenant', randomUUID(), '--url', receiver.url, '--event-type', 'idsync.*.bad');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^idsync: 400: each eventTypes entry must be/m);
    const usage = await cli('subscription', 'create', '--url', receiver.url);
    assert.equal(usage.code, 2);
  });
});
