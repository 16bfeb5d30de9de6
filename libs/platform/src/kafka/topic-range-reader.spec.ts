import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { testKafkaBrokers, uniqueTopicPrefix } from '@idsync/testing';
import { readTopicRange, TopicNotFoundError, type TopicRangeRecord } from './topic-range-reader';

// Against the real broker: the bounded "everything up to the high-water marks" read that the
// dead-letter CLI, the console, the reconciler and the contract tests share.
describe(readTopicRange.name, () => {
  const prefix = uniqueTopicPrefix('range');
  const groupIdPrefix = `${prefix}-reader`;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;

  const topic = async (name: string, partitions: number) => {
    const full = `${prefix}.${name}`;
    await admin.createTopics({ topics: [{ topic: full, numPartitions: partitions }], waitForLeaders: true });
    return full;
  };
  /** `count` records per partition, keyed and valued `<partition>-<i>`, with a header. */
  const fill = async (name: string, partitions: number, count: number) => {
    for (let p = 0; p < partitions; p++) {
      const messages = Array.from({ length: count }, (_, i) => ({ partition: p, key: `${p}-${i}`, value: `value ${p}-${i}`, headers: { 'x-n': String(i) } }));
      await producer.send({ topic: name, acks: -1, messages });
    }
  };
  const keys = (records: TopicRangeRecord[]) => records.map((r) => r.key?.toString());
  const leftoverGroups = async () => (await admin.listGroups()).groups.filter((g) => g.groupId.startsWith(groupIdPrefix));

  before(async () => {
    kafka = new Kafka({ clientId: 'topic-range-reader-spec', brokers: testKafkaBrokers().split(','), logLevel: logLevel.NOTHING, retry: { retries: 5 } });
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
  });
  after(async () => {
    await producer?.disconnect();
    await admin?.disconnect();
  });

  it('returns nothing for a topic with no records, without starting a consumer', async () => {
    const empty = await topic('empty', 3);
    assert.deepEqual(await readTopicRange(kafka, [empty], { groupIdPrefix, timeoutMs: 20_000 }), []);
    assert.deepEqual(await leftoverGroups(), []);
  });

  it('reads every partition up to its high-water mark, ordered by partition and offset, and deletes its group', async () => {
    const several = await topic('several', 3);
    await fill(several, 3, 4);
    const records = await readTopicRange(kafka, [several], { groupIdPrefix, timeoutMs: 20_000, consumer: { maxWaitTimeInMs: 250 } });
    assert.deepEqual(
      keys(records),
      [0, 1, 2].flatMap((p) => [0, 1, 2, 3].map((i) => `${p}-${i}`)),
    );
    assert.deepEqual(
      records.map((r) => `${r.partition}:${r.offset}`).slice(0, 5),
      ['0:0', '0:1', '0:2', '0:3', '1:0'],
    );
    assert.equal(records[5].value?.toString(), 'value 1-1');
    assert.equal(records[5].headers['x-n']?.toString(), '1');
    assert.deepEqual(await leftoverGroups(), []);
  });

  it('stops at the marks noted at the start: records arriving during the read are neither waited for nor returned', async () => {
    const busy = await topic('busy', 2);
    await fill(busy, 2, 3);
    let late: Promise<number> | undefined;
    const records = await readTopicRange(kafka, [busy], {
      groupIdPrefix,
      timeoutMs: 20_000,
      // Runs after the offsets are noted and before the consumer joins: these land mid-read.
      ranges: (offsets) => {
        late = producer.send({ topic: busy, acks: -1, messages: [0, 1].map((p) => ({ partition: p, key: `late-${p}`, value: 'late' })) }).then(() => Date.now());
        return offsets.map((o) => ({ topic: o.topic, partition: o.partition, from: o.low, to: o.high }));
      },
    });
    const readDone = Date.now();
    const lateWritten = await late;
    assert.ok(lateWritten !== undefined && lateWritten < readDone, 'the late records were in the topic before the read ended');
    assert.deepEqual(keys(records), ['0-0', '0-1', '0-2', '1-0', '1-1', '1-2']);
    assert.deepEqual(
      (await admin.fetchTopicOffsets(busy)).map((o) => o.high).sort(),
      ['4', '4'],
    );
  });

  it('reads only the newest records per partition, within the ranges asked for (clamped to what exists)', async () => {
    const limited = await topic('limited', 2);
    await fill(limited, 2, 5);
    const newest = await readTopicRange(kafka, [limited], { groupIdPrefix, timeoutMs: 20_000, newestPerPartition: 2 });
    assert.deepEqual(keys(newest), ['0-3', '0-4', '1-3', '1-4']);

    // Partition 0 offsets 1..2 only; partition 1 asked past its end: clamped, so the read still ends.
    const asked = await readTopicRange(kafka, [limited], {
      groupIdPrefix,
      timeoutMs: 20_000,
      ranges: () => [
        { topic: limited, partition: 0, from: 1n, to: 3n },
        { topic: limited, partition: 1, from: 4n, to: 99n },
        { topic: limited, partition: 7, from: 0n, to: 1n },
      ],
    });
    assert.deepEqual(keys(asked), ['0-1', '0-2', '1-4']);
    assert.deepEqual(await leftoverGroups(), []);
  });

  it('refuses before reading: a missing topic (not created by asking), or ranges that throw', async () => {
    const missing = `${prefix}.missing`;
    await assert.rejects(readTopicRange(kafka, [missing], { groupIdPrefix, timeoutMs: 20_000 }), (err: unknown) => err instanceof TopicNotFoundError && err.topic === missing);
    assert.equal((await admin.listTopics()).includes(missing), false);

    const present = await topic('refused', 1);
    await fill(present, 1, 1);
    await assert.rejects(
      readTopicRange(kafka, [present], {
        groupIdPrefix,
        timeoutMs: 20_000,
        ranges: () => {
          throw new Error('no such position');
        },
      }),
      /no such position/,
    );
    assert.deepEqual(await leftoverGroups(), []);
  });

  it('hands records of several topics to onRecord instead of collecting them; an error there ends the read', async () => {
    const users = await topic('users', 2);
    const groups = await topic('groups', 1);
    await fill(users, 2, 2);
    await fill(groups, 1, 3);
    const seen: string[] = [];
    const result = await readTopicRange(kafka, [users, groups], { groupIdPrefix, timeoutMs: 20_000, onRecord: (r) => seen.push(`${r.topic === users ? 'u' : 'g'}/${r.key?.toString()}`) });
    assert.deepEqual(result, []);
    assert.deepEqual(seen.sort(), ['g/0-0', 'g/0-1', 'g/0-2', 'u/0-0', 'u/0-1', 'u/1-0', 'u/1-1']);

    await assert.rejects(
      readTopicRange(kafka, [users], {
        groupIdPrefix,
        timeoutMs: 20_000,
        onRecord: () => {
          throw new Error('unparseable record');
        },
      }),
      /unparseable record/,
    );
    assert.deepEqual(await leftoverGroups(), []);
  });

  it('gives up after timeoutMs, naming the topic, and still deletes its group', async () => {
    const slow = await topic('slow', 1);
    await fill(slow, 1, 1);
    await assert.rejects(readTopicRange(kafka, [slow], { groupIdPrefix, timeoutMs: 1 }), new RegExp(`timed out after 1 ms reading ${slow.replace(/\./g, '\\.')}`));
    assert.deepEqual(await leftoverGroups(), []);
  });
});
