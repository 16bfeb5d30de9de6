// `npm run bench:webhooks [-- --mode e2e|fanout --rate R --seconds S --subscriptions N]`: webhook
// delivery throughput and latency against a local receiver (issue #6). Not a test: it prints a
// table and writes bench/results/<date>-webhooks[-fanout].json.
//
// What it does:
//  1. starts a Kafka broker in a temp dir (unless KAFKA_BROKERS is set) and recreates the dedicated
//     database idsync_bench_webhooks (migrated);
//  2. starts webhook-delivery (and, in e2e mode, scim-gateway and sync-worker) as child processes
//     (test/support/app-process.ts) with a topic prefix and consumer groups of their own, http
//     endpoints allowed and 127.0.0.1/32 allow-listed;
//  3. starts a receiver in this process (node:http on 127.0.0.1, answers 200 at once; a path per
//     subscription, so each request is checked against its own secret), and creates --subscriptions
//     subscriptions matching every event type (`*`) through the admin API;
//  4. e2e mode: pre-creates --users users (not measured; also warms every stage and waits for
//     their deliveries), then offers SCIM writes at a fixed rate (open loop, undici Pool): POST
//     /Users (20%) and PATCH /Users/{id} (80%, a random pre-created user). Each write yields one
//     event, so --subscriptions deliveries.
//     fanout mode: produces binary-mode CloudEvents (ce_* headers, JSON data, keyed tenant:subject,
//     as sync-worker does) straight onto the public topic at a fixed rate, so neither the gateway nor
//     the worker is in the path: what is measured is webhook-delivery's fan-out and signed POSTs;
//  5. samples each second the pending deliveries in webhook_deliveries (and in e2e mode the
//     outbox's unpublished rows), and waits (bounded) for every expected delivery.
//
// Figures:
//  - deliveries/s: signed deliveries of the measured writes/events received by the receiver,
//    divided by the time from the first offered write to the last such delivery;
//  - latency (one clock, performance.now in this process): e2e mode from the 2xx of the SCIM write
//    (its transaction has committed) to the receiver reading the request; fanout mode from the
//    producer's acknowledgement (acks=all) of the event's batch to the receiver. Every delivery of
//    a write counts (N per write);
//  - signatures: every --verify-every'th request (and the first of each subscription) is verified
//    with the standardwebhooks library; every request must carry webhook-id/-timestamp/-signature.
//
// Options: --mode e2e|fanout (default e2e), --rate R (writes or events per second, default 200),
//          --seconds S (default 30), --subscriptions N (default 4), --max-concurrency C (per
//          subscription, default 5 = the product default), --users N (e2e, default 500),
//          --connections C (SCIM client, default 32), --verify-every K (default 10), --note TEXT,
//          --out FILE, --profile DIR (CPU-profile the child apps: DIR/<app>-<pid>.cpuprofile, top
//          frames in the results; bench/tools/cpu-top.ts prints them), --built (run the apps' built
//          bundles, dist/apps/<app>/main.js, as production does; run `npm run build` first — npm run bench does).
// The RSS of each child app is sampled every second: max, and steady (median after the first quarter of the load).
// BENCH_DATABASE_URL overrides the database (default: DATABASE_URL's server, database idsync_bench_webhooks).
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel, type Message, type Producer } from 'kafkajs';
import { Client as PgClient } from 'pg';
import { Webhook } from 'standardwebhooks';
import { TOPICS, topicName } from '@idsync/contracts';
import { EnvelopeCipher } from '@idsync/crypto';
import { startAppProcess, stopAllAppProcesses, type AppProcess } from '../test/support/app-process';
import { summarize, type LatencySummary } from './load';
import { topFrames } from './tools/cpu-top';
import { builtApp, heapStats, profileEnv, RssSampler } from './tools/procs';
import { benchDatabaseUrl, benchKafka, freshBenchDatabase, ScimWriter, type BenchKafka } from './support';

type Mode = 'e2e' | 'fanout';

const ROOT = path.resolve(__dirname, '..');
const RESULTS_DIR = path.join(ROOT, 'bench', 'results');
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const CREATE_SHARE = 0.2;
/** Upper bound of the wait for the last deliveries after the load (and for the warm-up). */
const DRAIN_TIMEOUT_MS = 180_000;

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number) => Math.round(n * 100) / 100;

interface Options {
  mode: Mode;
  rate: number;
  seconds: number;
  subscriptions: number;
  maxConcurrency: number;
  users: number;
  connections: number;
  verifyEvery: number;
  note: string;
  out?: string;
  profile?: string;
  built: boolean;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { mode: 'e2e', rate: 200, seconds: 30, subscriptions: 4, maxConcurrency: 5, users: 500, connections: 32, verifyEvery: 10, note: process.env.BENCH_NOTE ?? '', built: false };
  const num = (name: string, v: string | undefined) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} needs a positive number`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--mode') {
      const m = argv[++i];
      if (m !== 'e2e' && m !== 'fanout') throw new Error('--mode is e2e or fanout');
      o.mode = m;
    } else if (a === '--rate') o.rate = num(a, argv[++i]);
    else if (a === '--seconds') o.seconds = num(a, argv[++i]);
    else if (a === '--subscriptions') o.subscriptions = Math.round(num(a, argv[++i]));
    else if (a === '--max-concurrency') o.maxConcurrency = Math.min(100, Math.round(num(a, argv[++i])));
    else if (a === '--users') o.users = Math.round(num(a, argv[++i]));
    else if (a === '--connections') o.connections = Math.round(num(a, argv[++i]));
    else if (a === '--verify-every') o.verifyEvery = Math.round(num(a, argv[++i]));
    else if (a === '--note') o.note = argv[++i] ?? '';
    else if (a === '--out') o.out = argv[++i];
    else if (a === '--profile') o.profile = argv[++i];
    else if (a === '--built') o.built = true;
    else throw new Error(`unknown option ${a}`);
  }
  if (o.subscriptions > 50) throw new Error('--subscriptions is at most 50');
  return o;
}


// ---------------------------------------------------------------------------------------------
// Receiver

interface DeliveryBody {
  id?: string;
  subject?: string;
  sequence?: string;
  data?: { version?: number };
}

/** The local webhook endpoint: one path per subscription (`/hooks/<n>`), 200 at once. */
class Receiver {
  /** Receive times (performance.now) of the deliveries of each match key (e2e: subject:version, fanout: event id). */
  readonly byKey = new Map<string, number[]>();
  received = 0;
  unsigned = 0;
  verified = 0;
  verifyFailures = 0;
  firstVerifyFailure: string | undefined;
  duplicates = 0;
  private readonly webhookIds = new Set<string>();
  private readonly secrets = new Map<string, Webhook>();
  private readonly seenPath = new Set<string>();
  private readonly server: Server;

  constructor(
    private readonly keyOf: (body: DeliveryBody) => string | undefined,
    private readonly verifyEvery: number,
  ) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const receivedAt = performance.now();
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        this.onDelivery(req.url ?? '', req.headers, Buffer.concat(chunks).toString('utf8'), receivedAt);
      });
    });
    this.server.keepAliveTimeout = 60_000;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  url(n: number): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/${n}`;
  }

  setSecret(n: number, secret: string): void {
    this.secrets.set(`/hooks/${n}`, new Webhook(secret));
  }

  private onDelivery(urlPath: string, headers: IncomingHttpHeaders, body: string, receivedAt: number): void {
    this.received++;
    const webhookId = headers['webhook-id'];
    const signature = headers['webhook-signature'];
    if (typeof webhookId !== 'string' || typeof headers['webhook-timestamp'] !== 'string' || typeof signature !== 'string' || !signature.startsWith('v1,')) {
      this.unsigned++;
      return;
    }
    if (this.webhookIds.has(webhookId)) this.duplicates++;
    else this.webhookIds.add(webhookId);
    const first = !this.seenPath.has(urlPath);
    this.seenPath.add(urlPath);
    if (first || this.received % this.verifyEvery === 0) {
      try {
        const wh = this.secrets.get(urlPath);
        if (!wh) throw new Error(`no subscription at ${urlPath}`);
        wh.verify(body, headers as Record<string, string>);
        this.verified++;
      } catch (err) {
        this.verifyFailures++;
        this.firstVerifyFailure ??= err instanceof Error ? err.message : String(err);
      }
    }
    const key = this.keyOf(JSON.parse(body) as DeliveryBody);
    if (key === undefined) return;
    const times = this.byKey.get(key);
    if (times) times.push(receivedAt);
    else this.byKey.set(key, [receivedAt]);
  }

  deliveriesOf(key: string): number {
    return this.byKey.get(key)?.length ?? 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** e2e: subject (resource id) + version (ce sequence, else data.version). */
function writeKeyOfDelivery(body: DeliveryBody): string | undefined {
  if (!body.subject) return undefined;
  let version = body.sequence ? Number.parseInt(body.sequence.split('.')[0], 10) : NaN;
  if (Number.isNaN(version) && typeof body.data?.version === 'number') version = body.data.version;
  return Number.isNaN(version) ? undefined : `${body.subject}:${version}`;
}

// ---------------------------------------------------------------------------------------------
// Load sources

/** What a measured write/event is matched by, and when it was committed (2xx / producer ack). */
interface Offered {
  key: string;
  committedAt: number;
}



/** Binary-mode CloudEvents onto the public topic, shaped like sync-worker's user.created. */
class EventProducer {
  private readonly producer: Producer;
  private n = 0;

  constructor(
    brokers: string,
    private readonly topic: string,
    private readonly tenantId: string,
  ) {
    const kafka = new Kafka({ clientId: 'bench-webhooks-producer', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
    this.producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  message(): { id: string; message: Message } {
    const n = ++this.n;
    const id = randomUUID();
    const resourceId = randomUUID();
    const now = new Date().toISOString();
    const userName = `fanout-${n}@example.com`;
    const resource = {
      schemas: [USER_SCHEMA],
      id: resourceId,
      userName,
      name: { givenName: 'Bench', familyName: `Fanout${n}` },
      emails: [{ value: userName, type: 'work', primary: true }],
      active: true,
      meta: { resourceType: 'User', created: now, lastModified: now, version: 'W/"1"' },
    };
    const data = { tenantId: this.tenantId, resourceType: 'User', resourceId, version: 1, actor: { type: 'scim-token', id: 'bench' }, changedAttributes: ['userName', 'name', 'emails', 'active'], resource };
    return {
      id,
      message: {
        key: `${this.tenantId}:${resourceId}`,
        value: JSON.stringify(data),
        headers: {
          ce_specversion: '1.0',
          ce_id: id,
          ce_type: 'idsync.user.created',
          ce_source: `/idsync/tenants/${this.tenantId}`,
          ce_subject: resourceId,
          ce_time: now,
          ce_sequence: '000000000001',
          ce_tenantid: this.tenantId,
          ce_actor: 'scim-token:bench',
          ce_changeid: String(n),
          'content-type': 'application/json',
        },
      },
    };
  }

  async send(messages: Message[]): Promise<void> {
    await this.producer.send({ topic: this.topic, acks: -1, messages });
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------
// Run

interface Sample {
  second: number;
  pendingDeliveries: number;
  /** Pending and due now (not waiting for a retry). */
  dueDeliveries: number;
  outboxUnpublished: number | null;
  /** Expected deliveries of committed writes/events not received yet. */
  awaitingDelivery: number;
}

interface Subscription {
  id: string;
  secret: string;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  let kafka: BenchKafka | undefined;
  let receiver: Receiver | undefined;
  let writer: ScimWriter | undefined;
  let producer: EventProducer | undefined;
  let sampler: PgClient | undefined;
  let sampleTimer: NodeJS.Timeout | undefined;
  const started: AppProcess[] = [];
  try {
    const dbUrl = benchDatabaseUrl('bench_webhooks');
    const prepareDb = freshBenchDatabase(dbUrl);
    kafka = await benchKafka('bench-webhooks', log);
    const brokers = kafka.brokers;
    await prepareDb;
    const prefix = `bench-wh-${randomBytes(3).toString('hex')}`;
    const adminToken = randomBytes(16).toString('hex');
    const common = { DATABASE_URL: dbUrl, KAFKA_BROKERS: brokers, KAFKA_TOPIC_PREFIX: prefix, NODE_ENV: 'production' };

    // webhook-delivery first: it creates the topics (KafkaTopicsInitializer) in both modes.
    const webhooks = await startAppProcess({
      script: builtApp(opts.built, 'webhook-delivery'),
      app: 'webhook-delivery',
      env: {
        ...common,
        WEBHOOK_GROUP_ID: `${prefix}-webhook`,
        ADMIN_API_TOKEN: adminToken,
        ENCRYPTION_KEYS: `bench:${EnvelopeCipher.generateKey()}`,
        ENCRYPTION_ACTIVE_KEY_ID: 'bench',
        WEBHOOK_ALLOW_HTTP: 'true',
        WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
        ...profileEnv(opts.profile, 'webhook-delivery'),
      },
    });
    started.push(webhooks);
    let gateway: AppProcess | undefined;
    if (opts.mode === 'e2e') {
      gateway = await startAppProcess({ script: builtApp(opts.built, 'scim-gateway'), app: 'scim-gateway', env: { ...common, ADMIN_API_TOKEN: adminToken, ...profileEnv(opts.profile, 'scim-gateway') } });
      started.push(gateway);
      started.push(await startAppProcess({ script: builtApp(opts.built, 'sync-worker'), app: 'sync-worker', env: { ...common, WORKER_GROUP_ID: `${prefix}-worker`, ...profileEnv(opts.profile, 'sync-worker') } }));
    }
    log(`started ${started.map((p) => `${p.name} pid ${p.pid}`).join(', ')}`);

    const adminPost = async (base: string, p: string, body: unknown): Promise<Record<string, string>> => {
      const res = await fetch(`${base}/admin${p}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (res.status >= 300) throw new Error(`admin ${p}: ${res.status} ${await res.text()}`);
      return (await res.json()) as Record<string, string>;
    };

    // Tenant: the gateway's in e2e mode; any UUID in fanout mode (webhook-delivery learns tenants from events).
    let tenantId: string = randomUUID();
    let scimToken = '';
    if (gateway) {
      tenantId = (await adminPost(gateway.url, '/tenants', { name: prefix })).id;
      scimToken = (await adminPost(gateway.url, `/tenants/${tenantId}/tokens`, { description: 'bench:webhooks' })).token;
    }

    receiver = new Receiver(opts.mode === 'e2e' ? writeKeyOfDelivery : (b) => b.id, opts.verifyEvery);
    await receiver.start();
    const subscriptions: Subscription[] = [];
    for (let n = 0; n < opts.subscriptions; n++) {
      const sub = await adminPost(webhooks.url, '/subscriptions', {
        tenantId,
        url: receiver.url(n),
        eventTypes: ['*'],
        description: `bench ${n}`,
        maxConcurrency: opts.maxConcurrency,
      });
      receiver.setSecret(n, sub.secret);
      subscriptions.push({ id: sub.id, secret: sub.secret });
    }
    log(`${opts.subscriptions} subscriptions (maxConcurrency ${opts.maxConcurrency}) → ${receiver.url(0).replace(/\/0$/, '/<n>')}`);

    sampler = new PgClient({ connectionString: dbUrl });
    await sampler.connect();

    // Warm-up (not measured). e2e: the PATCH targets, whose events and deliveries warm every stage.
    // fanout: a few hundred events.
    const userIds: string[] = [];
    const warmKeys: string[] = [];
    const t0 = performance.now();
    if (opts.mode === 'e2e') {
      const scim = new ScimWriter(gateway?.url ?? '', scimToken, opts.connections);
      writer = scim;
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < opts.users) {
            const { id, version } = await scim.create(`pre-${next++}-${prefix}@example.com`);
            userIds.push(id);
            warmKeys.push(`${id}:${version}`);
          }
        }),
      );
    } else {
      producer = new EventProducer(brokers, topicName(TOPICS.identityEvents, prefix), tenantId);
      await producer.connect();
      for (let batch = 0; batch < 10; batch++) {
        const msgs = Array.from({ length: 50 }, () => producer?.message()).filter((m) => m !== undefined);
        await producer.send(msgs.map((m) => m.message));
        warmKeys.push(...msgs.map((m) => m.id));
      }
    }
    const rcv = receiver;
    const warmDeadline = Date.now() + DRAIN_TIMEOUT_MS;
    while (warmKeys.some((k) => rcv.deliveriesOf(k) < opts.subscriptions) && Date.now() < warmDeadline) await sleep(100);
    const warmMissing = warmKeys.filter((k) => rcv.deliveriesOf(k) < opts.subscriptions).length;
    log(`warm-up: ${warmKeys.length} ${opts.mode === 'e2e' ? 'users' : 'events'} delivered to every subscription in ${Math.round(performance.now() - t0)} ms${warmMissing ? ` (${warmMissing} incomplete)` : ''}`);
    const receivedBeforeLoad = rcv.received;

    // Open loop: write/event i is due at start + i/rate whatever the system does.
    const total = Math.round(opts.rate * opts.seconds);
    const offered: Offered[] = [];
    const commitLatency: number[] = [];
    let failures = 0;
    let firstFailure: string | undefined;
    const samples: Sample[] = [];
    const start = performance.now();
    const rss = new RssSampler(started.map((p) => ({ name: p.name, pid: p.pid })));
    const awaiting = () => offered.reduce((n, o) => n + Math.max(0, opts.subscriptions - rcv.deliveriesOf(o.key)), 0);
    let sampling = false;
    sampleTimer = setInterval(() => {
      if (sampling) return;
      sampling = true;
      const second = Math.round((performance.now() - start) / 1000);
      void sampler
        ?.query<{ pending: string; due: string; outbox: string | null }>(
          `SELECT count(*) FILTER (WHERE status = 'pending') AS pending,
                  count(*) FILTER (WHERE status = 'pending' AND next_attempt_at <= now()) AS due,
                  ${opts.mode === 'e2e' ? '(SELECT count(*) FROM outbox WHERE published_at IS NULL)' : 'NULL'} AS outbox
           FROM webhook_deliveries`,
        )
        .then((r) => {
          const row = r.rows[0];
          samples.push({ second, pendingDeliveries: Number(row.pending), dueDeliveries: Number(row.due), outboxUnpublished: row.outbox === null ? null : Number(row.outbox), awaitingDelivery: awaiting() });
        })
        .catch(() => undefined)
        .finally(() => (sampling = false));
    }, 1_000);

    const pending: Array<Promise<void>> = [];
    const fail = (err: unknown) => {
      failures++;
      firstFailure ??= err instanceof Error ? err.message : String(err);
    };
    if (opts.mode === 'e2e' && writer) {
      const scim = writer;
      let created = 0;
      for (let i = 0; i < total; i++) {
        const due = start + (i * 1000) / opts.rate;
        const wait = due - performance.now();
        if (wait > 1) await sleep(wait);
        const op = Math.random() < CREATE_SHARE ? scim.create(`load-${created++}-${prefix}@example.com`) : scim.patch(userIds[Math.floor(Math.random() * userIds.length)], i);
        pending.push(
          op.then(({ id, version }) => {
            const committedAt = performance.now();
            commitLatency.push(committedAt - due);
            offered.push({ key: `${id}:${version}`, committedAt });
          }, fail),
        );
      }
    } else if (producer) {
      // Every 10 ms, one batch with every event due by then (acks=all); committedAt = the batch's ack.
      const events = producer;
      let sent = 0;
      while (sent < total) {
        const now = performance.now();
        const dueCount = Math.min(total, Math.floor(((now - start) * opts.rate) / 1000) + 1);
        if (dueCount > sent) {
          const firstDue = start + (sent * 1000) / opts.rate;
          const msgs = Array.from({ length: dueCount - sent }, () => events.message());
          sent = dueCount;
          pending.push(
            events.send(msgs.map((m) => m.message)).then(() => {
              const committedAt = performance.now();
              commitLatency.push(committedAt - firstDue);
              for (const m of msgs) offered.push({ key: m.id, committedAt });
            }, fail),
          );
        }
        await sleep(10);
      }
    }
    await Promise.all(pending);
    const loadMs = performance.now() - start;
    const rssByApp = rss.stop(start + loadMs / 4, start + loadMs);
    for (const p of started) if (rssByApp[p.name]) Object.assign(rssByApp[p.name], { heapAtEndOfLoad: await heapStats(p.url) });
    const expected = offered.length * opts.subscriptions;
    log(`offered ${total} ${opts.mode === 'e2e' ? 'SCIM writes' : 'events'} in ${Math.round(loadMs)} ms (${failures} failed); waiting for ${expected} deliveries`);
    const drainStart = performance.now();
    const drainDeadline = Date.now() + DRAIN_TIMEOUT_MS;
    while (awaiting() > 0 && Date.now() < drainDeadline) await sleep(50);
    const drainMs = performance.now() - drainStart;
    await sleep(1_100); // the last sample
    clearInterval(sampleTimer);
    sampleTimer = undefined;

    const latency: number[] = [];
    const firstDeliveryLatency: number[] = [];
    let lastDeliveryAt = start;
    let matched = 0;
    for (const o of offered) {
      const times = rcv.byKey.get(o.key) ?? [];
      for (const t of times) {
        latency.push(t - o.committedAt);
        lastDeliveryAt = Math.max(lastDeliveryAt, t);
      }
      matched += times.length;
      if (times.length) firstDeliveryLatency.push(Math.min(...times) - o.committedAt);
    }
    const loadSamples = samples.filter((s) => s.second <= opts.seconds);
    const third = Math.max(1, Math.floor(loadSamples.length / 3));
    const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
    const firstThird = avg(loadSamples.slice(0, third).map((s) => s.pendingDeliveries));
    const lastThird = avg(loadSamples.slice(-third).map((s) => s.pendingDeliveries));
    const offeredDeliveriesPerSec = opts.rate * opts.subscriptions;
    const result = {
      bench: 'webhooks',
      mode: opts.mode,
      date: new Date().toISOString(),
      machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version, platform: `${os.platform()} ${os.release()}`, totalMemGb: round(os.totalmem() / 2 ** 30) },
      options: opts,
      setup:
        opts.mode === 'e2e'
          ? 'Kafka (KRaft, 1 broker), PostgreSQL, scim-gateway, sync-worker and webhook-delivery as child processes (LOG_LEVEL=warn, NODE_ENV=production); SCIM load generator and the webhook receiver (node:http) in the bench process; all on this machine'
          : 'Kafka (KRaft, 1 broker), PostgreSQL, webhook-delivery as a child process (LOG_LEVEL=warn, NODE_ENV=production); kafkajs producer of binary CloudEvents onto the public topic and the webhook receiver (node:http) in the bench process; all on this machine',
      load: {
        offered: total,
        offeredRatePerSec: opts.rate,
        committed: offered.length,
        failures,
        firstFailure,
        achievedRatePerSec: round(offered.length / (loadMs / 1000)),
        commitLatencyMsFromSchedule: summarize(Float64Array.from(commitLatency)),
      },
      deliveries: {
        expected,
        matched,
        missing: Math.max(0, expected - matched),
        offeredPerSec: offeredDeliveriesPerSec,
        perSec: round(matched / ((lastDeliveryAt - start) / 1000)),
        receivedTotal: rcv.received - receivedBeforeLoad,
        duplicates: rcv.duplicates,
        unsigned: rcv.unsigned,
        signaturesVerified: rcv.verified,
        signatureFailures: rcv.verifyFailures,
        firstSignatureFailure: rcv.firstVerifyFailure,
        drainAfterLoadMs: Math.round(drainMs),
        latencyMs: summarize(Float64Array.from(latency)),
        firstDeliveryLatencyMs: summarize(Float64Array.from(firstDeliveryLatency)),
      },
      backlog: {
        grew: lastThird > offeredDeliveriesPerSec && lastThird > 2 * firstThird,
        maxPendingDeliveries: Math.max(0, ...samples.map((s) => s.pendingDeliveries)),
        meanPendingDeliveriesDuringLoad: round(avg(loadSamples.map((s) => s.pendingDeliveries))),
        maxOutboxUnpublished: opts.mode === 'e2e' ? Math.max(0, ...samples.map((s) => s.outboxUnpublished ?? 0)) : null,
        maxAwaitingDelivery: Math.max(0, ...samples.map((s) => s.awaitingDelivery)),
        atStart: loadSamples[0],
        atEnd: loadSamples[loadSamples.length - 1],
        samples,
      },
      rssMb: rssByApp,
      profiles: opts.profile ? await stopAndReadProfiles(opts.profile, started) : undefined,
      subscriptions: subscriptions.map((s) => s.id),
      note: opts.note,
    };
    printTable(result.mode, result.load, result.deliveries, result.backlog);
    process.stdout.write(`RSS (MB): ${Object.entries(rssByApp).map(([n, r]) => `${n} max ${r.maxMb}, steady ${r.steadyMb}`).join('; ')}\n`);
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    const out = opts.out ?? path.join(RESULTS_DIR, `${result.date.slice(0, 10)}-webhooks${opts.mode === 'fanout' ? '-fanout' : ''}.json`);
    fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
    log(`results written to ${path.relative(ROOT, out)}`);
    if (rcv.verifyFailures > 0 || rcv.unsigned > 0) {
      log(`signature problems: ${rcv.verifyFailures} failed verifications, ${rcv.unsigned} unsigned requests`);
      process.exitCode = 1;
    }
  } finally {
    if (sampleTimer) clearInterval(sampleTimer);
    await sampler?.end().catch(() => undefined);
    await writer?.pool.close().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    // By PID, each of ours (SIGTERM, SIGKILL after the grace period).
    await stopAllAppProcesses();
    await receiver?.close().catch(() => undefined);
    await kafka?.stop();
  }
}

/** Stops the apps (each writes its profile on SIGTERM) and summarises their profiles: top self-time frames. */
async function stopAndReadProfiles(dir: string, apps: AppProcess[]): Promise<Record<string, ReturnType<typeof topFrames> & { file: string }>> {
  const pids = new Map(apps.map((p) => [p.pid, p.name]));
  await stopAllAppProcesses();
  const out: Record<string, ReturnType<typeof topFrames> & { file: string }> = {};
  for (const f of fs.readdirSync(dir)) {
    const name = pids.get(Number(/-(\d+)\.cpuprofile$/.exec(f)?.[1]));
    if (name) out[name] = { ...topFrames(path.join(dir, f), 15), file: path.join(dir, f) };
  }
  return out;
}

function printTable(
  mode: Mode,
  l: { offeredRatePerSec: number; achievedRatePerSec: number; committed: number; failures: number; commitLatencyMsFromSchedule: LatencySummary },
  d: {
    expected: number;
    matched: number;
    missing: number;
    offeredPerSec: number;
    perSec: number;
    duplicates: number;
    unsigned: number;
    signaturesVerified: number;
    signatureFailures: number;
    drainAfterLoadMs: number;
    latencyMs: LatencySummary;
    firstDeliveryLatencyMs: LatencySummary;
  },
  b: { grew: boolean; maxPendingDeliveries: number; meanPendingDeliveriesDuringLoad: number; maxOutboxUnpublished: number | null; maxAwaitingDelivery: number },
): void {
  const row = (name: string, s: LatencySummary) => `${name.padEnd(42)}${[s.p50, s.p90, s.p99, s.max].map((v) => String(v).padStart(10)).join('')}`;
  const what = mode === 'e2e' ? 'SCIM writes' : 'events produced';
  const from = mode === 'e2e' ? 'SCIM 2xx' : 'producer ack';
  const lines = [
    `mode ${mode}: ${what} offered ${l.offeredRatePerSec}/s, achieved ${l.achievedRatePerSec}/s, ${l.committed} committed, ${l.failures} failed`,
    `deliveries: ${d.perSec}/s (offered ${d.offeredPerSec}/s); ${d.matched}/${d.expected} received, ${d.missing} missing, ${d.duplicates} duplicate webhook-ids; drained ${d.drainAfterLoadMs} ms after the load`,
    `signatures: ${d.signaturesVerified} sampled and verified with standardwebhooks, ${d.signatureFailures} failed, ${d.unsigned} unsigned`,
    `backlog: grew=${b.grew}, pending deliveries max ${b.maxPendingDeliveries} (mean ${b.meanPendingDeliveriesDuringLoad} during load)${b.maxOutboxUnpublished === null ? '' : `, outbox unpublished max ${b.maxOutboxUnpublished}`}, expected deliveries not yet received max ${b.maxAwaitingDelivery}`,
    '',
    `${'latency (ms)'.padEnd(42)}${['p50', 'p90', 'p99', 'max'].map((h) => h.padStart(10)).join('')}`,
    row(mode === 'e2e' ? 'SCIM write (from schedule)' : 'produce ack (from schedule)', l.commitLatencyMsFromSchedule),
    row(`${from} → receiver (every delivery)`, d.latencyMs),
    row(`${from} → receiver (first of N)`, d.firstDeliveryLatencyMs),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((err: unknown) => {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
