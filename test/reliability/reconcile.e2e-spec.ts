import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { TOPICS } from '@idsync/contracts';
import type { ReconciliationReport } from '@idsync/reconcile';
import { testKafkaBrokers, waitFor } from '@idsync/testing';
import { GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, expectStatus, tenant, type TenantClient } from '../scim/scim-e2e.helpers';
import { startPipeline, type PipelineHarness, type ReadRecord } from '../pipeline/pipeline-harness';

const ROOT = path.resolve(__dirname, '..', '..');
const SETTLE_SECONDS = 1;

interface CliRun {
  code: number | null;
  report: ReconciliationReport;
  stderr: string;
}

/** `idsync reconcile --tenant … --json` as operators run it (a child process), against the harness's database and topics. */
function reconcileCli(pipeline: PipelineHarness, tenantId: string, ...extra: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['-r', path.join(ROOT, 'scripts', 'register.cjs'), path.join(ROOT, 'apps', 'cli', 'src', 'main.ts'), 'reconcile', '--tenant', tenantId, '--json', '--settle-seconds', String(SETTLE_SECONDS), ...extra],
      { cwd: ROOT, env: { ...process.env, DATABASE_URL: pipeline.gateway.db.url, KAFKA_BROKERS: testKafkaBrokers(), KAFKA_TOPIC_PREFIX: pipeline.prefix }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      try {
        resolve({ code, report: JSON.parse(stdout) as ReconciliationReport, stderr });
      } catch {
        reject(new Error(`reconcile printed no JSON (exit ${code}): ${stdout}\n${stderr}`));
      }
    });
  });
}

function versionOf(record: ReadRecord | undefined): number | null {
  if (!record?.value) return null;
  const meta = (JSON.parse(record.value) as { meta?: { version?: string } }).meta;
  return Number(/(\d+)/.exec(meta?.version ?? '')?.[1] ?? NaN);
}

// Drift is made by hand — a lost state record, a stale one, a delete whose change never left the
// database, a delivery that failed for good — and reconcile must name each one, repair it through
// the outbox (never by writing the public topics itself), and find nothing afterwards.
describe('reconcile: database vs compacted topics vs delivery log', () => {
  let pipeline: PipelineHarness;
  let scim: TenantClient;
  const ids: Record<'lost' | 'stale' | 'gone' | 'fine', string> = { lost: '', stale: '', gone: '', fine: '' };
  let groupId = '';
  let subscriptionId = '';
  let failedDeliveryId = '';

  const latestState = (topic: string, id: string) => pipeline.reader.on(topic).filter((r) => r.key === `${scim.tenantId}:${id}`).at(-1);
  const sql = (text: string, params: unknown[] = []) => pipeline.gateway.dataSource.query(text, params) as Promise<Array<Record<string, unknown>>>;

  before(async () => {
    pipeline = await startPipeline('reconcile', { OUTBOX_POLL_MS: '100' });
    scim = await tenant(pipeline.gateway);
    for (const name of Object.keys(ids) as Array<keyof typeof ids>) {
      const res = await scim.post('/Users', { schemas: [USER_SCHEMA], userName: `${name}@example.com`, active: true });
      expectStatus(res, 201);
      ids[name] = String(res.body.id);
    }
    expectStatus(await scim.patch(`/Users/${ids.stale}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Engineer' }] }), 200);
    const group = await scim.post('/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Engineering', members: [{ value: ids.fine, type: 'User' }] });
    expectStatus(group, 201);
    groupId = String(group.body.id);
    await waitFor(() => versionOf(latestState(TOPICS.users, ids.stale)) === 2 && latestState(TOPICS.groups, groupId) !== undefined && Object.values(ids).every((id) => latestState(TOPICS.users, id)), {
      timeoutMs: 30_000,
      what: 'the compacted topics caught up',
    });
    await new Promise((r) => setTimeout(r, SETTLE_SECONDS * 1_500));
  });

  after(async () => {
    await pipeline?.close();
  });

  it('finds no drift in a healthy pipeline (exit 0)', async () => {
    const run = await reconcileCli(pipeline, scim.tenantId);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.report.drift, []);
    assert.deepEqual(run.report.database, { users: 4, groups: 1 });
    assert.deepEqual(run.report.topics, { users: 4, groups: 1 });
  });

  it('names each kind of drift (exit 1), repairs it through the outbox, and then finds none', async () => {
    const usersTopic = pipeline.reader.topic(TOPICS.users);
    const staleValue = (await sql(`SELECT payload->'resource' AS resource FROM outbox WHERE message_key = $1 ORDER BY id LIMIT 1`, [`${scim.tenantId}:${ids.stale}`]))[0].resource;
    await pipeline.producer.send({
      topic: usersTopic,
      messages: [
        { key: `${scim.tenantId}:${ids.lost}`, value: null }, // the state record was lost (as if compacted away)
        { key: `${scim.tenantId}:${ids.stale}`, value: JSON.stringify(staleValue) }, // version 1 again
      ],
    });
    // A delete committed without its change ever leaving (the outbox row lost): the topic still has the user.
    await sql(`DELETE FROM scim_resources WHERE tenant_id = $1 AND id = $2`, [scim.tenantId, ids.gone]);
    // A subscription whose latest delivery about `fine` failed for good.
    subscriptionId = randomUUID();
    failedDeliveryId = randomUUID();
    await sql(`INSERT INTO webhook_subscriptions (id, tenant_id, url, event_types) VALUES ($1, $2, 'https://hr.example.com/hooks', ARRAY['idsync.user.*'])`, [subscriptionId, scim.tenantId]);
    await sql(
      `INSERT INTO webhook_deliveries (id, tenant_id, subscription_id, event_id, event_type, subject_key, payload, status, attempt_count)
       VALUES ($1, $2, $3, 'e-1:0', 'idsync.user.created', $4, '{"data":{"resourceType":"User"}}', 'failed', 8)`,
      [failedDeliveryId, scim.tenantId, subscriptionId, `${scim.tenantId}:${ids.fine}`],
    );
    await waitFor(() => latestState(TOPICS.users, ids.lost)?.value === null, { timeoutMs: 10_000, what: 'the injected tombstone' });

    const found = await reconcileCli(pipeline, scim.tenantId);
    assert.equal(found.code, 1, 'drift found and not repaired: exit 1');
    const byKind = (kind: string) => found.report.drift.filter((d) => d.kind === kind).map((d) => d.resourceId);
    assert.deepEqual(byKind('missing-in-topic'), [ids.lost]);
    assert.deepEqual(byKind('stale-in-topic'), [ids.stale]);
    assert.deepEqual(byKind('deleted-in-db'), [ids.gone]);
    assert.deepEqual(
      found.report.drift.filter((d) => d.kind === 'undelivered').map((d) => [d.resourceId, d.subscriptionId, d.deliveryId]),
      [[ids.fine, subscriptionId, failedDeliveryId]],
    );
    assert.equal(found.report.drift.find((d) => d.resourceId === ids.stale)?.topicVersion, 1);
    assert.deepEqual(found.report.driftByKind, { 'missing-in-topic': 1, 'stale-in-topic': 1, 'deleted-in-db': 1, undelivered: 1 });
    assert.deepEqual(
      found.report.deliveries.map((s) => [s.subscriptionId, s.failed, s.pending]),
      [[subscriptionId, 1, 0]],
    );

    const repaired = await reconcileCli(pipeline, scim.tenantId, '--repair');
    assert.equal(repaired.code, 0, `everything repaired: exit 0 (${repaired.stderr})`);
    assert.deepEqual({ ...repaired.report.repair, skipped: repaired.report.repair?.skipped.length }, { resynced: 2, deletesReemitted: 1, deliveriesRequeued: 1, skipped: 0 });

    // The corrective changes travel the normal path: outbox → worker → public and compacted topics.
    // The public snapshots and the compacted records are separate topics: the reader may see one before the other.
    await waitFor(() => versionOf(latestState(TOPICS.users, ids.lost)) === 2 && versionOf(latestState(TOPICS.users, ids.stale)) === 3 && latestState(TOPICS.users, ids.gone)?.value === null
      && pipeline.reader.events((e) => e.ce.type === 'idsync.user.snapshot').length >= 2, {
      timeoutMs: 30_000,
      what: 'the repaired state records',
    });
    const snapshots = pipeline.reader.events((e) => e.ce.type === 'idsync.user.snapshot');
    assert.deepEqual(snapshots.map((e) => e.ce.subject).sort(), [ids.lost, ids.stale].sort());
    for (const e of snapshots) {
      assert.equal(e.ce.actor, 'system:reconcile');
      const earlier = pipeline.reader.events((x) => x.ce.subject === e.ce.subject && x.ce.id !== e.ce.id);
      assert.ok(earlier.every((x) => x.ce.sequence < e.ce.sequence), `${e.ce.subject}: the snapshot's sequence is the newest`);
    }
    await pipeline.reader.waitForEvents((e) => e.ce.subject === ids.gone && e.ce.type === 'idsync.user.deleted', 1, 'the re-emitted delete');
    const versions = await sql(`SELECT id::text, version FROM scim_resources WHERE id = ANY($1::uuid[])`, [[ids.lost, ids.stale]]);
    assert.deepEqual(Object.fromEntries(versions.map((r) => [r.id, r.version])), { [ids.lost]: 2, [ids.stale]: 3 }, 'a resync bumps the version in the system of record');
    const audit = await sql(`SELECT action, resource_id::text FROM audit_log WHERE tenant_id = $1 AND actor_id = 'reconcile' ORDER BY action, resource_id`, [scim.tenantId]);
    assert.equal(audit.length, 3, 'each corrective change is audited');
    const delivery = (await sql(`SELECT status, attempt_count FROM webhook_deliveries WHERE id = $1`, [failedDeliveryId]))[0];
    assert.deepEqual(delivery, { status: 'pending', attempt_count: 0 }, 'the failed delivery is back on a fresh schedule, same id (same webhook-id)');

    await new Promise((r) => setTimeout(r, SETTLE_SECONDS * 1_500));
    const after = await reconcileCli(pipeline, scim.tenantId);
    assert.equal(after.code, 0, after.stderr);
    assert.deepEqual(after.report.drift, [], 'no drift left');
    assert.deepEqual(after.report.topics, { users: 3, groups: 1 });
  });
});
