import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ConfigResourceTypes, Kafka, logLevel, type Admin } from 'kafkajs';
import { testKafkaBrokers, uniqueTopicPrefix, waitFor } from '@idsync/testing';
import { ensureTopics } from './kafka-topics';

const SIXTEEN_MIB = String(16 * 1024 * 1024);

describe('ensureTopics (real broker)', () => {
  let kafka: Kafka;
  let admin: Admin;
  let prefix: string;
  const created: string[] = [];

  before(async () => {
    prefix = uniqueTopicPrefix('topics');
    kafka = new Kafka({ clientId: `${prefix}-test`, brokers: testKafkaBrokers().split(','), logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
  });

  after(async () => {
    if (created.length) await admin?.deleteTopics({ topics: created }).catch(() => undefined);
    await admin?.disconnect();
  });

  const name = (base: string) => {
    const topic = `${prefix}.${base}`;
    created.push(topic);
    return topic;
  };

  async function topicConfigs(topic: string): Promise<Record<string, { value: string; topicLevel: boolean }>> {
    const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] });
    return Object.fromEntries(resources[0].configEntries.map((e) => [e.configName, { value: e.configValue, topicLevel: !e.isDefault }]));
  }

  it('creates a missing topic with its configs', async () => {
    const topic = name('created');
    const result = await ensureTopics(admin, [{ name: topic, numPartitions: 2, configEntries: [{ name: 'max.message.bytes', value: SIXTEEN_MIB }] }]);
    assert.deepEqual(result, { created: [topic], raised: [] });
    assert.equal((await topicConfigs(topic))['max.message.bytes'].value, SIXTEEN_MIB);
  });

  it('raises max.message.bytes of an existing topic, keeping its other topic-level configs; a second run changes nothing', async () => {
    const topic = name('existing');
    // As an older version created it: compacted, no max.message.bytes (the broker's ~1 MB default).
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: -1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'min.compaction.lag.ms', value: '60000' }] }],
    });
    const before = await topicConfigs(topic);
    assert.ok(Number(before['max.message.bytes'].value) < Number(SIXTEEN_MIB));

    const spec = {
      name: topic,
      numPartitions: 6,
      configEntries: [
        { name: 'cleanup.policy', value: 'delete' }, // not raised: an existing topic's policy is the operator's
        { name: 'max.message.bytes', value: SIXTEEN_MIB },
      ],
    };
    const result = await ensureTopics(admin, [spec]);
    assert.deepEqual(result, { created: [], raised: [{ topic, config: 'max.message.bytes', from: before['max.message.bytes'].value, to: SIXTEEN_MIB }] });
    const after = await waitFor(async () => {
      const configs = await topicConfigs(topic);
      return configs['max.message.bytes'].value === SIXTEEN_MIB ? configs : undefined;
    }, { what: 'the raised max.message.bytes' });
    assert.deepEqual(after['cleanup.policy'], { value: 'compact', topicLevel: true });
    assert.deepEqual(after['min.compaction.lag.ms'], { value: '60000', topicLevel: true });
    assert.equal((await admin.fetchTopicMetadata({ topics: [topic] })).topics[0].partitions.length, 1, 'partitions untouched');

    assert.deepEqual(await ensureTopics(admin, [spec]), { created: [], raised: [] });
  });

  it('never lowers a larger max.message.bytes', async () => {
    const topic = name('larger');
    const larger = String(32 * 1024 * 1024);
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: -1, configEntries: [{ name: 'max.message.bytes', value: larger }] }] });
    assert.deepEqual(await ensureTopics(admin, [{ name: topic, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: SIXTEEN_MIB }] }]), { created: [], raised: [] });
    assert.equal((await topicConfigs(topic))['max.message.bytes'].value, larger);
  });

  it('a record over 1 MB is accepted and a consumer with default fetch sizes (maxBytesPerPartition 1 MB) reads it', async () => {
    const topic = name('large-record');
    await ensureTopics(admin, [{ name: topic, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: SIXTEEN_MIB }] }]);
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    const consumer = kafka.consumer({ groupId: `${prefix}-reader`, allowAutoTopicCreation: false, maxWaitTimeInMs: 250 });
    try {
      await producer.connect();
      // Incompressible and uncompressed: 3 MB on the wire, over the consumer's 1 MB per-partition fetch size.
      const value = randomBytes(3 * 1024 * 1024);
      await producer.send({ topic, acks: -1, messages: [{ key: 'big', value }, { key: 'small', value: 'after' }] });
      const read: Array<{ key: string; bytes: number }> = [];
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          read.push({ key: message.key?.toString() ?? '', bytes: message.value?.length ?? 0 });
        },
      });
      await waitFor(() => read.length >= 2, { timeoutMs: 30_000, what: 'both records' });
      assert.deepEqual(read, [
        { key: 'big', bytes: value.length },
        { key: 'small', bytes: 5 },
      ]);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
    }
  });
});
