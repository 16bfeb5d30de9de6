import { Command, InvalidArgumentError } from 'commander';
import { Kafka, type Admin, type IHeaders, type Message } from 'kafkajs';
import { DEAD_LETTER_HEADERS, DEAD_LETTER_HEADER_PREFIX, REDRIVEN_FROM_HEADER, TOPICS, topicName } from '@idsync/contracts';
import { readTopicRange, TopicNotFoundError, type PartitionOffsets, type PartitionRange, type TopicRangeRecord } from '@idsync/platform';
import { CliFailure, CliUsageError, cliKafka, formatTable, kafkaBrokers, kafkaTopicPrefix, oneLine, positiveInteger, printResult, progressBar, withDeadline, withJsonOption } from '../cli-support';

// `idsync deadletter list|redrive`: inspect idsync.deadletter.v1 and put records back on the topic
// they failed on. Reads are bounded by the high-water mark taken at the start, so the commands
// always end (new dead letters arriving meanwhile wait for the next run); a deadline covers a
// broker that stops answering. Failures throw CliFailure: message on stderr, exit 1.

const DEFAULT_LIST_LIMIT = 50;
const DEFAULT_TIMEOUT_MS = 30_000;
const REDRIVE_CHUNK = 200;

/** One dead letter as read back: where it sits, why it failed, and the original record. */
interface DeadLetter {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Every header as stored, the idsync-dlq-* ones included. */
  headers: Record<string, Buffer>;
  timestamp: string;
}

export interface DeadLetterView {
  /** `<partition>:<offset>` in the dead-letter topic: what `redrive --offset` takes. */
  position: string;
  partition: number;
  offset: string;
  failedAt: string | null;
  error: string | null;
  originalTopic: string | null;
  originalPartition: number | null;
  originalOffset: string | null;
  key: string | null;
  /** The original value: UTF-8 text when it is valid UTF-8, else base64 (see valueEncoding). */
  value: string | null;
  valueEncoding: 'utf8' | 'base64';
  /** The original record's headers (UTF-8), without the idsync-dlq-* ones. */
  headers: Record<string, string>;
}

interface KafkaSettings {
  brokers: string[];
  topic: string;
  timeoutMs: number;
}

function kafkaSettings(timeoutMs: number): KafkaSettings {
  return { brokers: kafkaBrokers(), topic: topicName(TOPICS.deadLetter, kafkaTopicPrefix()), timeoutMs };
}

async function withAdmin<T>(kafka: Kafka, settings: KafkaSettings, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  try {
    await withDeadline(settings.timeoutMs, `connecting to Kafka at ${settings.brokers.join(',')}`, admin.connect());
  } catch (err) {
    throw new CliFailure(`cannot connect to Kafka at ${settings.brokers.join(',')}: ${(err as Error).message}`);
  }
  try {
    return await fn(admin);
  } finally {
    await withDeadline(5_000, 'disconnecting', admin.disconnect()).catch(() => undefined);
  }
}

/**
 * The dead letters in the ranges `ranges` picks from the offsets found at the start (default: all;
 * `newestPerPartition` narrows them), read up to the high-water marks then noted.
 */
async function readDeadLetters(
  kafka: Kafka,
  admin: Admin,
  settings: KafkaSettings,
  choose: { ranges?: (offsets: PartitionOffsets[]) => PartitionRange[]; newestPerPartition?: number },
): Promise<DeadLetter[]> {
  try {
    const records = await readTopicRange(kafka, [settings.topic], {
      ...choose,
      admin,
      groupIdPrefix: 'idsync-cli-deadletter',
      timeoutMs: settings.timeoutMs,
      consumer: { maxWaitTimeInMs: 250, sessionTimeout: 10_000, heartbeatInterval: 1_000 },
    });
    return records.map(deadLetterOf);
  } catch (err) {
    if (err instanceof TopicNotFoundError) throw new CliFailure(`topic ${settings.topic} does not exist (check KAFKA_TOPIC_PREFIX)`);
    throw err;
  }
}

function toBuffer(value: IHeaders[string]): Buffer | undefined {
  const single = Array.isArray(value) ? value[value.length - 1] : value;
  if (single === undefined) return undefined;
  return Buffer.isBuffer(single) ? single : Buffer.from(single, 'utf8');
}

function deadLetterOf(record: TopicRangeRecord): DeadLetter {
  const headers: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(record.headers)) {
    const bytes = toBuffer(value);
    if (bytes) headers[name] = bytes;
  }
  return { partition: record.partition, offset: record.offset, key: record.key, value: record.value, headers, timestamp: record.timestamp };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function utf8OrNull(bytes: Buffer | undefined | null): string | null {
  return bytes ? bytes.toString('utf8') : null;
}

function originalHeaders(letter: DeadLetter): Record<string, Buffer> {
  return Object.fromEntries(Object.entries(letter.headers).filter(([name]) => !name.startsWith(DEAD_LETTER_HEADER_PREFIX)));
}

function viewOf(letter: DeadLetter): DeadLetterView {
  let value: string | null = null;
  let valueEncoding: DeadLetterView['valueEncoding'] = 'utf8';
  if (letter.value) {
    try {
      value = strictUtf8.decode(letter.value);
    } catch {
      value = letter.value.toString('base64');
      valueEncoding = 'base64';
    }
  }
  const h = letter.headers;
  const originalPartition = utf8OrNull(h[DEAD_LETTER_HEADERS.originalPartition]);
  return {
    position: `${letter.partition}:${letter.offset}`,
    partition: letter.partition,
    offset: letter.offset,
    failedAt: utf8OrNull(h[DEAD_LETTER_HEADERS.failedAt]),
    error: utf8OrNull(h[DEAD_LETTER_HEADERS.error]),
    originalTopic: utf8OrNull(h[DEAD_LETTER_HEADERS.originalTopic]),
    originalPartition: originalPartition === null ? null : Number(originalPartition),
    originalOffset: utf8OrNull(h[DEAD_LETTER_HEADERS.originalOffset]),
    key: utf8OrNull(letter.key),
    value,
    valueEncoding,
    headers: Object.fromEntries(Object.entries(originalHeaders(letter)).map(([name, bytes]) => [name, bytes.toString('utf8')])),
  };
}

/** The original record, as it was before it failed, marked with where it was re-driven from. */
function redriveMessage(letter: DeadLetter): Message {
  return {
    key: letter.key,
    value: letter.value,
    headers: { ...originalHeaders(letter), [REDRIVEN_FROM_HEADER]: `${letter.partition}:${letter.offset}` },
  };
}

interface Position {
  partition: number;
  offset: bigint;
}

function collectPosition(raw: string, previous: Position[] = []): Position[] {
  const match = /^(\d+):(\d+)$/.exec(raw);
  if (!match) throw new InvalidArgumentError('expected <partition>:<offset>, e.g. 0:42');
  return [...previous, { partition: Number(match[1]), offset: BigInt(match[2]) }];
}


async function listDeadLetters(settings: KafkaSettings, limit: number): Promise<DeadLetterView[]> {
  const kafka = cliKafka();
  return withAdmin(kafka, settings, async (admin) => {
    // The newest `limit` of each partition (the topic has one): the ones an incident is about.
    const letters = await readDeadLetters(kafka, admin, settings, { newestPerPartition: limit });
    return letters.slice(-limit).map(viewOf);
  });
}

interface RedriveResult {
  from: string;
  topic: string;
  key: string | null;
}

async function redriveDeadLetters(settings: KafkaSettings, positions: Position[] | 'all', json: boolean): Promise<RedriveResult[]> {
  const kafka = cliKafka();
  return withAdmin(kafka, settings, async (admin) => {
    const read = await readDeadLetters(kafka, admin, settings, {
      ranges: (offsets) => {
        // Every requested position must exist before anything is read or produced: all or nothing.
        if (positions !== 'all') {
          for (const p of positions) {
            const range = offsets.find((o) => o.partition === p.partition);
            if (!range || p.offset < range.low || p.offset >= range.high) throw new CliFailure(`no dead letter at ${p.partition}:${p.offset} in ${settings.topic}`);
          }
        }
        return offsets.map(({ topic, partition, low, high }) => {
          if (positions === 'all') return { topic, partition, from: low, to: high };
          const wanted = positions.filter((p) => p.partition === partition).map((p) => p.offset);
          if (wanted.length === 0) return { topic, partition, from: high, to: high };
          const first = wanted.reduce((a, b) => (a < b ? a : b));
          const last = wanted.reduce((a, b) => (a > b ? a : b));
          return { topic, partition, from: first, to: last + 1n };
        });
      },
    });
    const wanted = positions === 'all' ? undefined : new Set(positions.map((p) => `${p.partition}:${p.offset}`));
    const letters = wanted ? read.filter((l) => wanted.has(`${l.partition}:${l.offset}`)) : read;
    if (wanted) {
      const found = new Set(letters.map((l) => `${l.partition}:${l.offset}`));
      const missing = [...wanted].filter((p) => !found.has(p));
      if (missing.length > 0) throw new CliFailure(`no dead letter at ${missing.join(', ')} in ${settings.topic}`);
    }
    if (letters.length === 0) return [];

    const existing = new Set(await admin.listTopics());
    const byTopic = new Map<string, Message[]>();
    for (const letter of letters) {
      const topic = utf8OrNull(letter.headers[DEAD_LETTER_HEADERS.originalTopic]);
      if (!topic) throw new CliFailure(`dead letter ${letter.partition}:${letter.offset} has no ${DEAD_LETTER_HEADERS.originalTopic} header`);
      if (!existing.has(topic)) throw new CliFailure(`dead letter ${letter.partition}:${letter.offset}: original topic ${topic} does not exist`);
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), redriveMessage(letter)]);
    }
    // Idempotent, acks=all, one request in flight: no duplicates from the producer's own
    // retries, and records of one key keep their dead-letter order.
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await withDeadline(settings.timeoutMs, 'connecting the producer', producer.connect());
    // Sent in chunks so the progress bar moves; one request in flight keeps each key's order.
    const progress = progressBar('re-driving', letters.length, { json });
    try {
      for (const [topic, messages] of byTopic) {
        for (let at = 0; at < messages.length; at += REDRIVE_CHUNK) {
          const chunk = messages.slice(at, at + REDRIVE_CHUNK);
          await withDeadline(settings.timeoutMs, 're-producing dead letters', producer.send({ acks: -1, topic, messages: chunk }));
          progress.tick(chunk.length);
        }
      }
    } finally {
      progress.stop();
      await withDeadline(5_000, 'disconnecting', producer.disconnect()).catch(() => undefined);
    }
    return letters.map((l) => ({ from: `${l.partition}:${l.offset}`, topic: utf8OrNull(l.headers[DEAD_LETTER_HEADERS.originalTopic]) ?? '', key: utf8OrNull(l.key) }));
  });
}


/** Adds `deadletter list` and `deadletter redrive` to the operator CLI. */
export function registerDeadLetterCommands(program: Command): void {
  const deadletter = program
    .command('deadletter')
    .description('Dead letters (idsync.deadletter.v1): records the sync worker could not process; KAFKA_BROKERS, KAFKA_TOPIC_PREFIX');

  withJsonOption(
    deadletter
      .command('list')
      .description('Show the newest dead letters, oldest first')
      .option('--limit <n>', `at most this many (default ${DEFAULT_LIST_LIMIT})`, positiveInteger)
      .option('--timeout-ms <ms>', `give up after this long (default ${DEFAULT_TIMEOUT_MS})`, positiveInteger),
  ).action(async (opts: { limit?: number; timeoutMs?: number; json?: boolean }) => {
      const settings = kafkaSettings(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      const letters = await listDeadLetters(settings, opts.limit ?? DEFAULT_LIST_LIMIT);
      printResult(
        !!opts.json,
        letters,
        formatTable(
          letters.map((l) => ({
            position: l.position,
            failedAt: l.failedAt ?? '',
            from: l.originalTopic ? `${l.originalTopic}/${l.originalPartition ?? '?'}@${l.originalOffset ?? '?'}` : '',
            key: l.key ?? '',
            error: oneLine(l.error, 100),
          })),
        ),
      );
    });

  withJsonOption(
    deadletter
      .command('redrive')
      .description('Put dead letters back on the topic they failed on (original key, value, headers + idsync-redriven-from)')
      .option('--all', 'every dead letter currently in the topic')
      .option('--offset <partition:offset>', 'this dead letter (repeatable)', collectPosition)
      .option('--timeout-ms <ms>', `give up after this long (default ${DEFAULT_TIMEOUT_MS})`, positiveInteger),
  ).action(async (opts: { all?: boolean; offset?: Position[]; timeoutMs?: number; json?: boolean }) => {
      if (!!opts.all === !!opts.offset?.length) throw new CliUsageError('give either --all or one or more --offset <partition:offset>');
      const settings = kafkaSettings(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      const redriven = await redriveDeadLetters(settings, opts.all ? 'all' : (opts.offset ?? []), !!opts.json);
      printResult(
        !!opts.json,
        redriven,
        redriven.length === 0 ? 'no dead letters to re-drive' : redriven.map((r) => `re-drove ${r.from} → ${r.topic} (key ${r.key ?? 'none'})`).join('\n'),
      );
    });
}
