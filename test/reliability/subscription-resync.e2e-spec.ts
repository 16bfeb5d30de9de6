import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Webhook } from 'standardwebhooks';
import { TOPICS } from '@idsync/contracts';
import { EnvelopeCipher } from '@idsync/crypto';
import { createIdsyncApp } from '@idsync/platform';
import { waitFor } from '@idsync/testing';
import { GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, expectStatus, tenant, type TenantClient } from '../scim/scim-e2e.helpers';
import { startPipeline, type PipelineHarness } from '../pipeline/pipeline-harness';
import { ADMIN_TOKEN, TestReceiver } from '../webhooks/webhook-harness';

const ROOT = path.resolve(__dirname, '..', '..');

interface SnapshotBody {
  id: string;
  type: string;
  subject: string;
  sequence: string;
  data: { resourceType: string; resourceId: string; version: number; resource: { userName?: string } };
}

interface ResyncResult {
  subscriptionId: string;
  resources: number;
  filteredOut: number;
  enqueued: number;
  alreadyQueued: number;
  batches: number;
}

// Onboarding a new target system: `subscription resync` sends the current state of every resource
// the subscription selects — to that subscription only, signed like any webhook, with webhook-ids
// fixed by (subscription, resource, version), so running it again sends nothing twice.
describe('full re-sync of one subscription', { timeout: 300_000 }, () => {
  let pipeline: PipelineHarness;
  let webhooks: INestApplication;
  let webhooksUrl = '';
  let scim: TenantClient;
  const receivers: TestReceiver[] = [];
  const users: Record<string, string> = {};

  async function admin<T>(method: string, p: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${webhooksUrl}${p}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
  }

  function resyncCli(subscriptionId: string): Promise<{ code: number | null; result: ResyncResult; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(
        process.execPath,
        ['-r', path.join(ROOT, 'scripts', 'register.cjs'), path.join(ROOT, 'apps', 'cli', 'src', 'main.ts'), 'subscription', 'resync', subscriptionId, '--tenant', scim.tenantId, '--json', '--webhook-url', webhooksUrl],
        { cwd: ROOT, env: { ...process.env, ADMIN_API_TOKEN: ADMIN_TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', reject);
      child.on('exit', (code) => {
        try {
          resolve({ code, result: JSON.parse(stdout) as ResyncResult, stderr });
        } catch {
          reject(new Error(`resync printed no JSON (exit ${code}): ${stdout}\n${stderr}`));
        }
      });
    });
  }

  function snapshots(receiver: TestReceiver, secret: string): Array<{ webhookId: string; event: SnapshotBody }> {
    const wh = new Webhook(secret);
    return receiver.requests
      .map((r) => ({ webhookId: String(r.headers['webhook-id']), event: wh.verify(r.body, r.headers as Record<string, string>) as SnapshotBody }))
      .filter((x) => x.event.type.endsWith('.snapshot'));
  }

  before(async () => {
    pipeline = await startPipeline('resync', {
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      ENCRYPTION_KEYS: `k1:${EnvelopeCipher.generateKey()}`,
      ENCRYPTION_ACTIVE_KEY_ID: 'k1',
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
      WEBHOOK_RETRY_SCHEDULE_MS: '0,300,300,300',
      WEBHOOK_RETRY_JITTER: '0',
      WEBHOOK_POLL_MS: '100',
    });
    const { WebhookDeliveryModule } = await import('../../apps/webhook-delivery/src/app.module');
    webhooks = await createIdsyncApp(WebhookDeliveryModule, { clientId: 'test-webhook-resync' });
    await webhooks.listen(0, '127.0.0.1');
    webhooksUrl = (await webhooks.getUrl()).replace('[::1]', '127.0.0.1');
    scim = await tenant(pipeline.gateway);
    for (const name of ['keep-ada', 'keep-grace', 'other-alan', 'gone-bob']) {
      const res = await scim.post('/Users', { schemas: [USER_SCHEMA], userName: `${name}@example.com`, active: true });
      expectStatus(res, 201);
      users[name] = String(res.body.id);
    }
    expectStatus(await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Engineering', members: [{ value: users['keep-ada'], type: 'User' }] }), 201);
    expectStatus(await scim.delete(`/Users/${users['gone-bob']}`), 204);
    const state = (id: string) => pipeline.reader.on(TOPICS.users).filter((r) => r.key === `${scim.tenantId}:${id}`).at(-1);
    await waitFor(() => state(users['gone-bob'])?.value === null && ['keep-ada', 'keep-grace', 'other-alan'].every((n) => state(users[n])?.value), {
      timeoutMs: 30_000,
      what: 'the compacted users topic caught up',
    });
  });

  after(async () => {
    for (const r of receivers) await r.close();
    await webhooks?.close();
    await pipeline?.close();
  });

  it('queues one signed snapshot per selected live resource for that subscription only; repeating it sends nothing twice', async () => {
    const onboarding = await TestReceiver.start();
    const bystander = await TestReceiver.start();
    receivers.push(onboarding, bystander);
    const subscribe = async (url: string, extra: Record<string, unknown>) => {
      const res = await admin<{ id: string; secret: string }>('POST', '/admin/subscriptions', { tenantId: scim.tenantId, url, eventTypes: ['idsync.user.*'], ...extra });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body;
    };
    const target = await subscribe(onboarding.url, { resourceFilter: 'userName sw "keep"' });
    const other = await subscribe(bystander.url, {});

    const first = await resyncCli(target.id);
    assert.equal(first.code, 0, first.stderr);
    // Live users: ada, grace, alan (bob is deleted; the group is not a user.* type); alan is filtered out.
    assert.deepEqual({ ...first.result, batches: undefined }, { subscriptionId: target.id, resources: 3, filteredOut: 1, enqueued: 2, alreadyQueued: 0, batches: undefined });

    await waitFor(() => snapshots(onboarding, target.secret).length >= 2, { timeoutMs: 30_000, intervalMs: 50, what: 'two snapshot webhooks' });
    const got = snapshots(onboarding, target.secret);
    assert.deepEqual(got.map((g) => g.event.data.resource.userName).sort(), ['keep-ada@example.com', 'keep-grace@example.com']);
    for (const { event } of got) {
      assert.equal(event.type, 'idsync.user.snapshot');
      assert.equal(event.sequence, String(event.data.version).padStart(12, '0'), 'the sequence is the version shown');
    }

    // Again: the same versions are already queued/sent — nothing new, nothing duplicated.
    const again = await admin<ResyncResult>('POST', `/admin/subscriptions/${target.id}/resync?tenantId=${scim.tenantId}`);
    assert.equal(again.status, 202);
    assert.equal(again.body.enqueued, 0);
    assert.equal(again.body.alreadyQueued, 2);

    // A new version of one user: the next re-sync sends only that one, under a new webhook-id.
    expectStatus(await scim.patch(`/Users/${users['keep-ada']}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Countess' }] }), 200);
    const latestVersion = () => pipeline.reader.on(TOPICS.users).filter((r) => r.key === `${scim.tenantId}:${users['keep-ada']}`).at(-1)?.value ?? '';
    await waitFor(() => latestVersion().includes('Countess'), { timeoutMs: 30_000, what: 'the new version on the compacted topic' });
    const third = await resyncCli(target.id);
    assert.deepEqual([third.result.enqueued, third.result.alreadyQueued], [1, 1]);
    await waitFor(() => snapshots(onboarding, target.secret).length >= 3, { timeoutMs: 30_000, intervalMs: 50, what: 'the third snapshot' });
    await new Promise((r) => setTimeout(r, 500)); // a duplicate would arrive now
    const all = snapshots(onboarding, target.secret);
    assert.equal(all.length, 3, 'three snapshots in all: two versions of ada, one of grace');
    assert.equal(new Set(all.map((s) => s.webhookId)).size, 3, 'distinct webhook-ids: nothing a receiver would have to de-duplicate');
    assert.deepEqual(snapshots(bystander, other.secret), [], 'the other subscription got no snapshot');
  });

  it('404 for another tenant’s (or an unknown) subscription', async () => {
    const res = await admin('POST', `/admin/subscriptions/00000000-0000-4000-8000-000000000000/resync?tenantId=${scim.tenantId}`);
    assert.equal(res.status, 404);
  });
});
