import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { TOPICS, topicName } from '@idsync/contracts';
import { ensureTopics } from '@idsync/platform';
import { testKafkaBrokers, uniqueTopicPrefix, waitFor } from '@idsync/testing';
import type { TailedEvent } from '../../apps/cli/src/commands/events.commands';
import { runIdsync, startIdsync } from './cli-runner';

// `idsync events tail` against records on a real topic (binary-mode CloudEvents: ce_* headers,
// JSON value), produced here so every case controls exactly what is on the stream.
describe('idsync events tail', () => {
  const tenantA = randomUUID();
  const tenantB = randomUUID();
  let prefix: string;
  let topic: string;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let env: Record<string, string>;

  async function publish(tenantId: string, type: string, subject = randomUUID()): Promise<string> {
    const id = randomUUID();
    await producer.send({
      topic,
      acks: -1,
      messages: [
        {
          key: `${tenantId}:${subject}`,
          value: JSON.stringify({ tenantId, resourceId: subject }),
          headers: { ce_id: id, ce_type: type, ce_source: '/test', ce_specversion: '1.0', ce_subject: subject, ce_tenantid: tenantId, 'content-type': 'application/json' },
        },
      ],
    });
    return id;
  }

  const events = (stdout: string) =>
    stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as TailedEvent);

  before(async () => {
    prefix = uniqueTopicPrefix('clitail');
    topic = topicName(TOPICS.identityEvents, prefix);
    kafka = new Kafka({ clientId: `${prefix}-test`, brokers: testKafkaBrokers().split(','), logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    // One partition: the order printed is the order produced.
    await ensureTopics(admin, [{ name: topic, numPartitions: 1 }]);
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    env = { KAFKA_BROKERS: testKafkaBrokers(), KAFKA_TOPIC_PREFIX: prefix };
  });

  after(async () => {
    await producer?.disconnect();
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect();
  });

  it('--from-beginning --type --max: only the tenant’s matching events, in order, one JSON document per line', { timeout: 300_000 }, async () => {
    await publish(tenantA, 'idsync.user.created');
    await publish(tenantB, 'idsync.group.created');
    const first = await publish(tenantA, 'idsync.group.created');
    const second = await publish(tenantA, 'idsync.group.member.added');
    await publish(tenantA, 'idsync.group.deleted');

    const run = await runIdsync(['events', 'tail', '--tenant', tenantA, '--type', 'idsync.group.*', '--from-beginning', '--max', '2', '--json'], env);
    assert.equal(run.code, 0, run.stderr);
    const shown = events(run.stdout);
    assert.deepEqual(
      shown.map((e) => [e.attributes.id, e.attributes.type, e.attributes.tenantid]),
      [
        [first, 'idsync.group.created', tenantA],
        [second, 'idsync.group.member.added', tenantA],
      ],
    );
    assert.deepEqual(shown[0].data, { tenantId: tenantA, resourceId: shown[0].attributes.subject });
  });

  it('without --from-beginning shows only events published after it started', { timeout: 300_000 }, async () => {
    const before = await publish(tenantA, 'idsync.user.updated');
    const tail = startIdsync(['events', 'tail', '--tenant', tenantA, '--max', '1', '--json'], env);
    await waitFor(() => tail.stderr().includes('tailing'), { timeoutMs: 60_000, what: 'the tail to start' });
    const after = await publish(tenantA, 'idsync.user.deactivated');
    const run = await tail.done;
    assert.equal(run.code, 0, run.stderr);
    const shown = events(run.stdout);
    assert.deepEqual(
      shown.map((e) => e.attributes.id),
      [after],
    );
    assert.notEqual(shown[0].attributes.id, before);
  });

  it('prints a readable line per event without --json', { timeout: 300_000 }, async () => {
    const id = await publish(tenantB, 'idsync.user.deleted');
    const run = await runIdsync(['events', 'tail', '--tenant', tenantB, '--type', 'idsync.user.deleted', '--from-beginning', '--max', '1'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout.trim(), new RegExp(`^.*idsync\\.user\\.deleted .*id ${id}$`));
  });

  it('exits 2 on bad usage and 1 when the topic does not exist', { timeout: 300_000 }, async () => {
    assert.equal((await runIdsync(['events', 'tail', '--max', '1'], env)).code, 2);
    assert.equal((await runIdsync(['events', 'tail', '--tenant', tenantA, '--type', 'not a type'], env)).code, 2);
    const missing = await runIdsync(['events', 'tail', '--tenant', tenantA, '--max', '1'], { ...env, KAFKA_TOPIC_PREFIX: `${prefix}-nope` });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^idsync: topic .* does not exist/m);
  });
});
