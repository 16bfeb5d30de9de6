import { randomUUID } from 'node:crypto';
import { Command, InvalidArgumentError } from 'commander';
import type { KafkaMessage } from 'kafkajs';
import { TOPICS, topicName } from '@idsync/contracts';
import { EVENT_TYPE_PATTERN, subscribesTo } from '../../../webhook-delivery/src/domain/event-type-pattern';
import { CliFailure, cliKafka, collect, kafkaBrokers, kafkaTopicPrefix, note, positiveInteger, withDeadline, withJsonOption, type JsonOption } from '../cli-support';
import { tenantIdOf } from './webhook-admin-api';

// `idsync events tail`: watch the public identity event stream (idsync.identity.events.v1) the way
// a consumer sees it. It reads with a throwaway consumer group that commits nothing and is deleted
// on exit, so it never moves anyone's offsets. Without --from-beginning it starts at the end of
// each partition as of the moment it starts: every event produced after that is shown.

/** One event as printed: the CloudEvent attributes (from the ce_* headers) and its data. */
export interface TailedEvent {
  partition: number;
  offset: string;
  key: string | null;
  /** id, type, source, subject, time, tenantid, sequence, actor, changeid, … */
  attributes: Record<string, string>;
  data: unknown;
}

interface TailOptions extends JsonOption {
  tenant: string;
  type?: string[];
  fromBeginning?: boolean;
  max?: number;
  timeoutMs?: number;
}

function eventTypePattern(raw: string, previous: string[] = []): string[] {
  if (!EVENT_TYPE_PATTERN.test(raw)) throw new InvalidArgumentError('expected an event type or wildcard, e.g. idsync.user.created or idsync.user.*');
  return collect(raw, previous);
}

function headerText(value: unknown): string | undefined {
  const single = Array.isArray(value) ? value[value.length - 1] : value;
  if (single === undefined || single === null) return undefined;
  return Buffer.isBuffer(single) ? single.toString('utf8') : String(single);
}

function tailedEventOf(partition: number, message: KafkaMessage): TailedEvent {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const text = headerText(value);
    if (name.startsWith('ce_') && text !== undefined) attributes[name.slice(3)] = text;
  }
  let data: unknown = null;
  if (message.value) {
    try {
      data = JSON.parse(message.value.toString('utf8'));
    } catch {
      data = message.value.toString('base64');
    }
  }
  return { partition, offset: message.offset, key: message.key?.toString('utf8') ?? null, attributes, data };
}

function humanLine(e: TailedEvent): string {
  const a = e.attributes;
  return [a.time ?? '', a.type ?? '?', a.subject ?? '', `seq ${a.sequence ?? '?'}`, `id ${a.id ?? '?'}`].join('  ');
}

async function tail(opts: TailOptions): Promise<number> {
  const tenantId = await tenantIdOf(opts.tenant);
  const topic = topicName(TOPICS.identityEvents, kafkaTopicPrefix());
  const kafka = cliKafka('idsync-cli-events');
  const admin = kafka.admin();
  const timeoutMs = opts.timeoutMs ?? 30_000;
  try {
    await withDeadline(timeoutMs, 'connecting to Kafka', admin.connect());
  } catch (err) {
    throw new CliFailure(`cannot connect to Kafka at ${kafkaBrokers().join(',')}: ${(err as Error).message}`);
  }
  const groupId = `idsync-cli-tail-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 250, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  let shown = 0;
  try {
    if (!(await admin.listTopics()).includes(topic)) throw new CliFailure(`topic ${topic} does not exist (check KAFKA_TOPIC_PREFIX)`);
    const start = await admin.fetchTopicOffsets(topic);
    // A fetch may still return records from before the seek; they are skipped by offset.
    const firstOffset = new Map(start.map((p) => [p.partition, BigInt(opts.fromBeginning ? p.low : p.high)]));
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const stop = () => done();
    process.once('SIGINT', stop).once('SIGTERM', stop);
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          if (opts.max !== undefined && shown >= opts.max) return;
          if (BigInt(message.offset) < (firstOffset.get(partition) ?? 0n)) return;
          const event = tailedEventOf(partition, message);
          if (event.attributes.tenantid !== tenantId) return;
          if (opts.type && !subscribesTo(opts.type, event.attributes.type ?? '')) return;
          shown += 1;
          // --json: one JSON document per event per line (NDJSON), so `jq` can follow the stream.
          process.stdout.write(`${opts.json ? JSON.stringify(event) : humanLine(event)}\n`);
          if (opts.max !== undefined && shown >= opts.max) done();
        },
      });
      for (const p of start) consumer.seek({ topic, partition: p.partition, offset: opts.fromBeginning ? p.low : p.high });
      // On stderr, also with --json: scripts (and tests) can wait for it before producing.
      note(`tailing ${topic} for tenant ${tenantId}${opts.fromBeginning ? ' from the beginning' : ''} (Ctrl-C to stop)`);
      await finished;
    } finally {
      process.off('SIGINT', stop).off('SIGTERM', stop);
    }
  } finally {
    await withDeadline(5_000, 'disconnecting', consumer.disconnect()).catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await withDeadline(5_000, 'disconnecting', admin.disconnect()).catch(() => undefined);
  }
  return shown;
}

/** `idsync events tail`: print a tenant's identity events as they are published. */
export function registerEventsCommands(program: Command): void {
  const events = program.command('events').description('The public identity event stream (idsync.identity.events.v1); KAFKA_BROKERS, KAFKA_TOPIC_PREFIX');

  withJsonOption(
    events
      .command('tail')
      .description("Print a tenant's identity events as they are published (--json: one JSON document per line)")
      .requiredOption('--tenant <id|name>', 'tenant id (or name, looked up in DATABASE_URL)')
      .option('--type <type>', 'only this event type or wildcard (idsync.user.*); repeatable', eventTypePattern)
      .option('--from-beginning', 'start with the oldest retained event instead of the newest')
      .option('--max <n>', 'stop after this many events', positiveInteger)
      .option('--timeout-ms <ms>', 'give up connecting after this long (default 30000)', positiveInteger),
  ).action(async (opts: TailOptions) => {
    await tail(opts);
  });
}
