import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { IDENTITY_EVENT_TYPES, TOPICS } from '@idsync/contracts';
import { waitFor } from '@idsync/testing';
import { ENTERPRISE, GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, expectStatus, tenant, type TenantClient } from '../scim/scim-e2e.helpers';
import { startPipeline, type PipelineHarness, type ReadRecord } from '../pipeline/pipeline-harness';
import { validateDeadLetter, validateIdentityEvent, validateStateRecord } from './asyncapi-validator';

// What the running gateway + sync-worker really put on the public and compacted topics, checked
// record by record against docs/asyncapi.yaml — the document consumers generate code from.
describe('contract: every emitted record conforms to docs/asyncapi.yaml', () => {
  let pipeline: PipelineHarness;
  let scim: TenantClient;

  before(async () => {
    pipeline = await startPipeline('contracts');
    scim = await tenant(pipeline.gateway);
  });

  after(async () => {
    await pipeline?.close();
  });

  it('user create/patch/deactivate/reactivate/delete and a group with members: all ten event types, state records and tombstones', async () => {
    const patchUser = (id: string, value: Record<string, unknown>) => scim.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value }] });

    const ada = await scim.post('/Users', {
      schemas: [USER_SCHEMA, ENTERPRISE],
      userName: 'ada@example.com',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [{ value: 'ada@example.com', type: 'work', primary: true }],
      password: 'Sup3r-secret!',
      active: true,
      [ENTERPRISE]: { employeeNumber: '1815', department: 'Analytical Engines' },
    });
    expectStatus(ada, 201);
    const adaId = String(ada.body.id);
    const grace = await scim.post('/Users', { schemas: [USER_SCHEMA], userName: 'grace@example.com', active: true });
    expectStatus(grace, 201);
    const graceId = String(grace.body.id);

    expectStatus(await patchUser(adaId, { displayName: 'Ada Lovelace' }), 200);
    expectStatus(await patchUser(adaId, { active: false }), 200);
    expectStatus(await patchUser(adaId, { active: true }), 200);

    const group = await scim.post('/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Engineering',
      members: [
        { value: adaId, type: 'User' },
        { value: graceId, type: 'User' },
      ],
    });
    expectStatus(group, 201);
    const groupId = String(group.body.id);
    expectStatus(
      await scim.patch(`/Groups/${groupId}`, {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'replace', path: 'displayName', value: 'Platform Engineering' },
          { op: 'remove', path: `members[value eq "${graceId}"]` },
        ],
      }),
      200,
    );
    // Deleting a member user also changes the group (member removed), then the group goes.
    expectStatus(await scim.delete(`/Users/${adaId}`), 204);
    expectStatus(await scim.delete(`/Groups/${groupId}`), 204);
    expectStatus(await scim.delete(`/Users/${graceId}`), 204);

    const { reader } = pipeline;
    const isDeleted = (id: string, type: string) => (e: { ce: Record<string, string> }) => e.ce.subject === id && e.ce.type === type;
    await reader.waitForEvents(isDeleted(graceId, IDENTITY_EVENT_TYPES.userDeleted), 1, 'grace deleted');
    await reader.waitForEvents(isDeleted(groupId, IDENTITY_EVENT_TYPES.groupDeleted), 1, 'the group deleted');
    await reader.waitForEvents(isDeleted(adaId, IDENTITY_EVENT_TYPES.userDeleted), 1, 'ada deleted');
    const tombstoneOf = (topic: string, id: string) => (r: ReadRecord) => r.topic === topic && r.key === `${scim.tenantId}:${id}` && r.value === null;
    await waitFor(
      () =>
        reader.records.some(tombstoneOf(reader.topic(TOPICS.users), graceId)) &&
        reader.records.some(tombstoneOf(reader.topic(TOPICS.users), adaId)) &&
        reader.records.some(tombstoneOf(reader.topic(TOPICS.groups), groupId)),
      { timeoutMs: 30_000, what: 'the three tombstones' },
    );

    const events = reader.on(TOPICS.identityEvents);
    const users = reader.on(TOPICS.users);
    const groups = reader.on(TOPICS.groups);
    for (const record of events) {
      assert.deepEqual(validateIdentityEvent(record.headers, record.value, record.key), [], `${record.headers.ce_type} at ${record.partition}@${record.offset}: ${record.value}`);
    }
    for (const record of users) assert.deepEqual(validateStateRecord(TOPICS.users, record.key, record.value, record.headers), [], `users ${record.key}: ${record.value}`);
    for (const record of groups) assert.deepEqual(validateStateRecord(TOPICS.groups, record.key, record.value, record.headers), [], `groups ${record.key}: ${record.value}`);
    assert.deepEqual(reader.on(TOPICS.deadLetter), [], 'nothing was dead-lettered');

    // The run covers the whole contract: every event type, both state topics, tombstones.
    const seen = new Set(events.map((r) => r.headers.ce_type));
    // Snapshots come only from reconciliation (test/reliability/reconcile.e2e-spec.ts), never from SCIM writes.
    const fromScimWrites = Object.values(IDENTITY_EVENT_TYPES).filter((t) => !t.endsWith('.snapshot'));
    assert.deepEqual([...seen].sort(), fromScimWrites.sort());
    assert.ok(users.some((r) => r.value !== null) && groups.some((r) => r.value !== null));
    for (const record of [...events, ...users, ...groups]) assert.doesNotMatch(record.value ?? '', /Sup3r-secret|"password"/i);

    // Ordering guarantee: per subject, sequence strictly increases in the order a consumer reads.
    const lastSequence = new Map<string, string>();
    for (const record of events) {
      const subject = record.headers.ce_subject;
      const previous = lastSequence.get(subject);
      assert.ok(previous === undefined || previous < record.headers.ce_sequence, `${subject}: ${previous} then ${record.headers.ce_sequence}`);
      lastSequence.set(subject, record.headers.ce_sequence);
    }
  });

  it('a record the worker cannot process becomes a dead letter that conforms: original bytes plus the idsync-dlq-* headers', async () => {
    const key = `${scim.tenantId}:${randomUUID()}`;
    const value = '{"changeId":"","note":"not a change record"}';
    await pipeline.producer.send({ topic: pipeline.inputTopic, acks: -1, messages: [{ key, value, headers: { 'idsync-change-id': 'poison' } }] });
    const deadLetterTopic = pipeline.reader.topic(TOPICS.deadLetter);
    const letter = await waitFor(() => pipeline.reader.records.find((r) => r.topic === deadLetterTopic && r.key === key), {
      timeoutMs: 30_000,
      what: 'the dead letter',
    });
    assert.deepEqual(validateDeadLetter(letter.headers), []);
    assert.equal(letter.value, value);
    assert.equal(letter.headers['idsync-change-id'], 'poison');
    assert.equal(letter.headers['idsync-dlq-original-topic'], pipeline.inputTopic);
  });
});
