import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TOPICS } from '@idsync/contracts';
import { waitFor } from '@idsync/testing';
import { USER_SCHEMA, expectStatus, tenant, type TenantClient } from '../scim/scim-e2e.helpers';
import { startPipeline, type PipelineHarness } from '../pipeline/pipeline-harness';

// RECONCILE_INTERVAL_MINUTES on (here every 1.2 s) with RECONCILE_REPAIR: a state record lost from
// the compacted topic comes back by itself, through the outbox, as a user snapshot.
describe('periodic reconciliation in the gateway', () => {
  let pipeline: PipelineHarness;
  let scim: TenantClient;

  before(async () => {
    pipeline = await startPipeline('periodic_reconcile', { RECONCILE_INTERVAL_MINUTES: '0.02', RECONCILE_REPAIR: 'true', RECONCILE_SETTLE_SECONDS: '5' });
    scim = await tenant(pipeline.gateway);
  });

  after(async () => {
    await pipeline?.close();
  });

  it('repairs a lost state record without anyone running the CLI', async () => {
    const res = await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'periodic@example.com', active: true });
    expectStatus(res, 201);
    const id = String(res.body.id);
    const key = `${scim.tenantId}:${id}`;
    const states = () => pipeline.reader.on(TOPICS.users).filter((r) => r.key === key);
    await waitFor(() => states().length === 1 && states()[0].value !== null, { timeoutMs: 30_000, what: 'the state record' });
    assert.deepEqual(pipeline.reader.events((e) => e.ce.type === 'idsync.user.snapshot'), [], 'nothing to repair while in sync');

    await pipeline.producer.send({ topic: pipeline.reader.topic(TOPICS.users), messages: [{ key, value: null }] });
    await pipeline.reader.waitForEvents((e) => e.ce.subject === id && e.ce.type === 'idsync.user.snapshot', 1, 'the snapshot from the periodic repair');
    await waitFor(() => states().at(-1)?.value?.includes('W/\\"2\\"') === true, { timeoutMs: 30_000, what: 'the restored state record at version 2' });
    const metrics = await (await fetch(`${pipeline.gateway.url}/metrics`)).text();
    assert.match(metrics, /idsync_reconcile_runs_total\{outcome="repaired"\} [1-9]/);
  });
});
