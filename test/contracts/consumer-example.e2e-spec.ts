import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { IDENTITY_EVENT_TYPES, TOPICS, type IdentityEventType } from '@idsync/contracts';
import { testKafkaBrokers, waitFor } from '@idsync/testing';
import { PATCH_OP, USER_SCHEMA, expectStatus, tenant, type TenantClient } from '../scim/scim-e2e.helpers';
import { startPipeline, type PipelineHarness } from '../pipeline/pipeline-harness';
import { bootstrapDirectory, runIdentityConsumer, type AccessActions, type ConsumerSettings } from '../../examples/consumer/identity-consumer';

// The consumer example docs/EVENTS.md points teams at must keep working against the real stream.
describe('examples/consumer: bootstrap from the compacted topic, then revoke access on deactivation', () => {
  let pipeline: PipelineHarness;
  let scim: TenantClient;
  let settings: ConsumerSettings;

  before(async () => {
    pipeline = await startPipeline('consumer_example');
    scim = await tenant(pipeline.gateway);
    settings = { brokers: testKafkaBrokers().split(','), topicPrefix: pipeline.prefix, groupId: `example-${randomUUID()}` };
  });

  after(async () => {
    await pipeline?.close();
  });

  it('bootstraps the directory (tombstones delete), decodes CloudEvents, revokes access once per deactivation', async () => {
    const stays = await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'stays@example.com', active: true });
    expectStatus(stays, 201);
    const leaves = await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'leaves@example.com', active: true });
    expectStatus(leaves, 201);
    const staysId = String(stays.body.id);
    const leavesId = String(leaves.body.id);
    expectStatus(await scim.delete(`/Users/${leavesId}`), 204);
    const usersTopic = pipeline.reader.topic(TOPICS.users);
    await waitFor(() => pipeline.reader.records.some((r) => r.topic === usersTopic && r.key === `${scim.tenantId}:${leavesId}` && r.value === null), {
      timeoutMs: 30_000,
      what: 'the tombstone of the deleted user',
    });

    const kafka = new Kafka({ clientId: 'consumer-example-test', brokers: settings.brokers, logLevel: logLevel.NOTHING });
    const directory = await bootstrapDirectory(kafka, settings);
    assert.deepEqual([...directory.keys()], [`${scim.tenantId}:${staysId}`]);
    assert.deepEqual(directory.get(`${scim.tenantId}:${staysId}`), { id: staysId, tenantId: scim.tenantId, userName: 'stays@example.com', active: true });

    const revoked: Array<{ userId: string; reason: IdentityEventType }> = [];
    const actions: AccessActions = {
      async revokeAccess({ userId, reason }) {
        revoked.push({ userId, reason });
      },
    };
    const stop = await runIdentityConsumer(settings, actions);
    try {
      expectStatus(await scim.patch(`/Users/${staysId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] }), 200);
      await waitFor(() => revoked.some((r) => r.userId === staysId), { timeoutMs: 30_000, what: 'the example to revoke access' });
      await waitFor(() => revoked.some((r) => r.userId === leavesId), { timeoutMs: 30_000, what: 'the replayed deletion' });
      assert.deepEqual(
        revoked.filter((r) => r.userId === staysId),
        [{ userId: staysId, reason: IDENTITY_EVENT_TYPES.userDeactivated }],
      );
      assert.deepEqual(
        revoked.filter((r) => r.userId === leavesId),
        [{ userId: leavesId, reason: IDENTITY_EVENT_TYPES.userDeleted }],
      );
    } finally {
      await stop();
    }
  });
});
