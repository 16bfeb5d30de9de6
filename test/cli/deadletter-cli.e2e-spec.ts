import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { TOPICS, topicDefinitions, topicName } from '@idsync/contracts';
import { ensureTopics } from '@idsync/platform';
import { testKafkaBrokers, uniqueTopicPrefix } from '@idsync/testing';
import { validateDeadLetter } from '../contracts/asyncapi-validator';
import { headerText, readTopicsUntil, testKafka } from '../contracts/topic-reader';
import type { DeadLetterView } from '../../apps/cli/src/commands/deadletter.commands';

const ROOT = path.resolve(__dirname, '..', '..');

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

type ListedDeadLetter = DeadLetterView;

interface RedriveResult {
  from: string;
  topic: string;
  key: string | null;
}

// The operator CLI's dead-letter commands, run as operators run them (a child process with env),
// against a topic prefix of this test's own on the test broker.
describe('CLI: idsync deadletter list|redrive', () => {
  const prefix = uniqueTopicPrefix('dlqcli');
  const deadLetterTopic = topicName(TOPICS.deadLetter, prefix);
  const changesTopic = topicName(TOPICS.scimChanges, prefix);
  const failedAt = new Date().toISOString();
  const textKey = `${randomUUID()}:${randomUUID()}`;
  const binaryKey = `${randomUUID()}:${randomUUID()}`;
  const textValue = '{"changeId":"","note":"fails validation"}';
  const binaryValue = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;

  function cli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        ['-r', './scripts/register.cjs', 'apps/cli/src/main.ts', ...args],
        { cwd: ROOT, env: { ...process.env, KAFKA_BROKERS: testKafkaBrokers(), KAFKA_TOPIC_PREFIX: prefix, ...env }, timeout: 180_000 },
        (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      );
    });
  }

  function json<T>(run: CliRun): T {
    assert.equal(run.code, 0, `exit ${run.code}: ${run.stderr}`);
    const lines = run.stdout.trim().split('\n');
    assert.equal(lines.length, 1, `--json prints exactly one JSON document: ${run.stdout}`);
    return JSON.parse(lines[0]) as T;
  }

  function dlqHeaders(originalPartition: number, originalOffset: number, error: string): Record<string, string> {
    return {
      'idsync-dlq-error': error,
      'idsync-dlq-original-topic': changesTopic,
      'idsync-dlq-original-partition': String(originalPartition),
      'idsync-dlq-original-offset': String(originalOffset),
      'idsync-dlq-failed-at': failedAt,
    };
  }

  before(async () => {
    kafka = testKafka('deadletter-cli-test');
    admin = kafka.admin();
    await admin.connect();
    const wanted = new Set([deadLetterTopic, changesTopic]);
    await ensureTopics(admin, topicDefinitions(prefix).filter((t) => wanted.has(t.name)));
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    // Two dead letters the way the worker writes them: original key/value/headers + idsync-dlq-*.
    await producer.send({
      topic: deadLetterTopic,
      acks: -1,
      messages: [
        { key: textKey, value: textValue, headers: { 'idsync-change-id': 'change-1', ...dlqHeaders(3, 42, 'invalid change record: changeId must be a non-empty string') } },
        { key: binaryKey, value: binaryValue, headers: { 'idsync-change-id': 'change-2', ...dlqHeaders(1, 7, 'failed 5 attempts: broker unavailable') } },
      ],
    });
    for (const headers of [dlqHeaders(3, 42, 'x'), dlqHeaders(1, 7, 'y')]) assert.deepEqual(validateDeadLetter(headers), []);
  });

  after(async () => {
    await producer?.disconnect();
    await admin?.deleteTopics({ topics: [deadLetterTopic, changesTopic] }).catch(() => undefined);
    await admin?.disconnect();
  });

  it('lists dead letters as JSON, oldest first, with the original record and why it failed', async () => {
    const listed = json<ListedDeadLetter[]>(await cli(['deadletter', 'list', '--json']));
    assert.equal(listed.length, 2);
    const [first, second] = listed;
    assert.deepEqual(first, {
      position: '0:0',
      partition: 0,
      offset: '0',
      failedAt,
      error: 'invalid change record: changeId must be a non-empty string',
      originalTopic: changesTopic,
      originalPartition: 3,
      originalOffset: '42',
      key: textKey,
      value: textValue,
      valueEncoding: 'utf8',
      headers: { 'idsync-change-id': 'change-1' },
    });
    assert.equal(second.position, '0:1');
    assert.equal(second.valueEncoding, 'base64');
    assert.equal(Buffer.from(String(second.value), 'base64').equals(binaryValue), true);

    const newest = json<ListedDeadLetter[]>(await cli(['deadletter', 'list', '--limit', '1', '--json']));
    assert.deepEqual(
      newest.map((l) => l.position),
      ['0:1'],
    );
    const human = await cli(['deadletter', 'list']);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /0:0 .*invalid change record/);
  });

  it('re-drives one dead letter to its original topic: same key, value and headers, minus idsync-dlq-*, plus idsync-redriven-from', async () => {
    const result = json<RedriveResult[]>(await cli(['deadletter', 'redrive', '--offset', '0:0', '--json']));
    assert.deepEqual(result, [{ from: '0:0', topic: changesTopic, key: textKey }]);
    const [record] = await readTopicsUntil(kafka, [changesTopic], (r) => r.length >= 1, { what: 'the re-driven record' });
    assert.equal(record.key?.toString(), textKey);
    assert.equal(record.value?.toString(), textValue);
    assert.equal(headerText(record.headers, 'idsync-change-id'), 'change-1');
    assert.equal(headerText(record.headers, 'idsync-redriven-from'), '0:0');
    assert.deepEqual(
      Object.keys(record.headers).filter((h) => h.startsWith('idsync-dlq-')),
      [],
    );
  });

  it('re-drives --all, binary values byte for byte', async () => {
    const result = json<RedriveResult[]>(await cli(['deadletter', 'redrive', '--all', '--json']));
    assert.deepEqual(
      result.map((r) => r.from),
      ['0:0', '0:1'],
    );
    const records = await readTopicsUntil(kafka, [changesTopic], (r) => r.length >= 3, { what: 'three re-driven records' });
    const binary = records.find((r) => r.key?.toString() === binaryKey);
    assert.ok(binary, 'the binary dead letter was re-driven');
    assert.equal(binary.value?.equals(binaryValue), true);
    assert.equal(headerText(binary.headers, 'idsync-redriven-from'), '0:1');
  });

  it('fails with exit 1 and a message on stderr: unknown offset, unreachable broker, missing topic', async () => {
    const unknown = await cli(['deadletter', 'redrive', '--offset', '0:99', '--json']);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stdout, '');
    assert.match(unknown.stderr, /no dead letter at 0:99/);

    const unreachable = await cli(['deadletter', 'list', '--json'], { KAFKA_BROKERS: '127.0.0.1:1' });
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /cannot connect to Kafka at 127\.0\.0\.1:1/);
    // The client's short retry budget gives up, not the command's 30 s deadline (no wall-clock
    // assertion: a CLI process on a loaded machine can take that long just to start).
    assert.doesNotMatch(unreachable.stderr, /timed out after/);

    const missing = await cli(['deadletter', 'list'], { KAFKA_TOPIC_PREFIX: uniqueTopicPrefix('nothing') });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /does not exist/);
  });

  it('refuses bad usage with exit 2', async () => {
    const neither = await cli(['deadletter', 'redrive']);
    assert.equal(neither.code, 2);
    assert.match(neither.stderr, /--all or one or more --offset/);
    assert.equal((await cli(['deadletter', 'redrive', '--offset', 'zero'])).code, 2);
    assert.equal((await cli(['deadletter', 'list', '--limit', '0'])).code, 2);
  });
});
