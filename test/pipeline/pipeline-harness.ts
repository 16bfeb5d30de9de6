import type { INestApplication } from '@nestjs/common';
import { Kafka, logLevel, type Consumer, type IHeaders, type Producer } from 'kafkajs';
import { TOPICS, topicName } from '@idsync/contracts';
import { createIdsyncApp } from '@idsync/platform';
import { createTestDatabase, setAppEnv, testKafkaBrokers, uniqueTopicPrefix, waitFor, type TestDatabase } from '@idsync/testing';
import { startGateway, type GatewayHarness } from '../scim/scim-harness';

/** A record the test read back from one of the output topics. */
export interface ReadRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  /** Raw value as UTF-8 (null = tombstone). */
  value: string | null;
  headers: Record<string, string>;
}

/** A public identity event as a consumer sees it: ce_* attributes plus the JSON data. */
export interface ReadIdentityEvent extends ReadRecord {
  ce: Record<string, string>;
  data: Record<string, unknown>;
}

function headerStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const one = Array.isArray(value) ? value[0] : value;
    if (one !== undefined) out[name] = one.toString();
  }
  return out;
}

/** Reads the worker's output topics from the beginning into memory (its own consumer group). */
export class OutputTopicsReader {
  readonly records: ReadRecord[] = [];
  private consumer: Consumer | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly prefix: string,
  ) {}

  topic(base: string): string {
    return topicName(base, this.prefix);
  }

  async start(): Promise<void> {
    this.consumer = this.kafka.consumer({ groupId: `${this.prefix}-test-reader`, allowAutoTopicCreation: false });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [TOPICS.identityEvents, TOPICS.users, TOPICS.groups, TOPICS.deadLetter].map((t) => this.topic(t)), fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        this.records.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? null,
          headers: headerStrings(message.headers),
        });
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }

  on(base: string): ReadRecord[] {
    const name = this.topic(base);
    return this.records.filter((r) => r.topic === name);
  }

  /** Identity events, in the order read (per-partition order = per-subject order). */
  events(filter: (e: ReadIdentityEvent) => boolean = () => true): ReadIdentityEvent[] {
    return this.on(TOPICS.identityEvents)
      .map((r) => {
        const ce = Object.fromEntries(Object.entries(r.headers).filter(([k]) => k.startsWith('ce_')).map(([k, v]) => [k.slice(3), v]));
        return { ...r, ce, data: JSON.parse(r.value ?? 'null') as Record<string, unknown> };
      })
      .filter(filter);
  }

  /** Waits until `probe` over the identity events holds (default timeout 30 s). */
  async waitForEvents(filter: (e: ReadIdentityEvent) => boolean, count: number, what: string): Promise<ReadIdentityEvent[]> {
    return waitFor(
      () => {
        const found = this.events(filter);
        return found.length >= count ? found : undefined;
      },
      { timeoutMs: 30_000, what },
    );
  }
}

export interface PipelineHarness {
  gateway: GatewayHarness;
  worker: INestApplication;
  prefix: string;
  reader: OutputTopicsReader;
  /** A raw producer for the input topic (reprocessing and poison-record tests). */
  producer: Producer;
  inputTopic: string;
  /** Stops the worker (graceful: Nest awaits the in-flight record) and starts a new one in the same group. */
  restartWorker(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts scim-gateway and sync-worker in-process (createIdsyncApp, as their main.ts do) on one
 * fresh database with a topic prefix and consumer groups of their own, plus a reader of the
 * worker's output topics.
 */
export async function startPipeline(label: string, env: Record<string, string> = {}): Promise<PipelineHarness> {
  const db: TestDatabase = await createTestDatabase(label);
  const prefix = uniqueTopicPrefix(label);
  const appEnv = {
    DATABASE_URL: db.url,
    KAFKA_BROKERS: testKafkaBrokers(),
    KAFKA_TOPIC_PREFIX: prefix,
    WORKER_GROUP_ID: `${prefix}-worker`,
    // webhook-delivery (started by some tests on this pipeline) reads its consumer group from here.
    WEBHOOK_GROUP_ID: `${prefix}-webhook`,
    OUTBOX_POLL_MS: '200',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    ...env,
  };
  setAppEnv(appEnv);
  const gateway = await startGateway(appEnv, { database: db });
  const { SyncWorkerModule } = await import('../../apps/sync-worker/src/app.module');
  const { workerAppOptions } = await import('../../apps/sync-worker/src/worker.bootstrap');
  const startWorker = () => createIdsyncApp(SyncWorkerModule, workerAppOptions());
  let worker = await startWorker();
  const kafka = new Kafka({ clientId: `${prefix}-test`, brokers: testKafkaBrokers().split(','), logLevel: logLevel.NOTHING });
  const reader = new OutputTopicsReader(kafka, prefix);
  await reader.start();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  return {
    gateway,
    get worker() {
      return worker;
    },
    prefix,
    reader,
    producer,
    inputTopic: topicName(TOPICS.scimChanges, prefix),
    async restartWorker() {
      await worker.close();
      worker = await startWorker();
    },
    async close() {
      await producer.disconnect();
      await reader.stop();
      await worker.close();
      await gateway.close();
      await db.drop();
    },
  };
}
