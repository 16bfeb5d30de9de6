// `npm run bench:events [-- --rate R --seconds S]`: end-to-end latency of the event pipeline,
// from a committed SCIM write to its public CloudEvent on idsync.identity.events.v1 (issue #4).
// Not a test: it prints a table and writes bench/results/<date>-events.json.
//
// What it does:
//  1. starts a Kafka broker in a temp dir (unless KAFKA_BROKERS is set) and recreates the dedicated
//     database idsync_bench_events (migrated), so the outbox starts empty;
//  2. starts scim-gateway and sync-worker as child processes (test/support/app-process.ts), with a
//     topic prefix and worker group of their own, and a tenant + token through the admin API;
//  3. pre-creates --users users (not measured), then offers POST /Users (20%) and PATCH /Users/{id}
//     (80%, random pre-created user) at a fixed rate (open loop, undici Pool, 127.0.0.1 only);
//  4. consumes idsync.identity.events.v1 in this process and matches each event to its write by
//     subject (ce_subject = resource id) + version (ce_sequence, else data.version, else the
//     resource's meta.version); the first event of a change counts (a change may yield several);
//  5. samples each second the outbox's unpublished rows and the writes still waiting for their event.
//
// Latency, two ways (both printed):
//  - "commit→event" (primary): from the moment this process received the 2xx of the write (the
//    transaction has committed by then) to the moment its consumer received the event; one clock
//    (performance.now). Loopback response transfer makes it a slight underestimate (< 1 ms).
//  - "ce_time→event": wall clock at receive minus the event's ce_time (= the change record's
//    occurredAt, stamped inside the transaction before commit; ms resolution): a slight overestimate.
//
// Options: --rate R (default 500 writes/s), --seconds S (default 30), --users N (default 1000),
//          --tenants N (default 1: writes spread round-robin over N tenants, users too),
//          --connections C (default 64), --note TEXT, --out FILE, --profile DIR (CPU-profile the child
//          apps: DIR/<app>-<pid>.cpuprofile, top frames in the results), --built (run the apps' built
//          bundles, dist/apps/<app>/main.js, as production does; run `npm run build` first — npm run bench does).
// The RSS of each child app is sampled every second: max, and steady (median after the first quarter of the load).
// BENCH_DATABASE_URL overrides the database (default: DATABASE_URL's server, database idsync_bench_events).
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { Client as PgClient } from 'pg';
import { TOPICS, topicName } from '@idsync/contracts';
import { startAppProcess, stopAllAppProcesses, type AppProcess } from '../test/support/app-process';
import { summarize, type LatencySummary } from './load';
import { topFrames } from './tools/cpu-top';
import { builtApp, heapStats, profileEnv, RssSampler } from './tools/procs';
import { benchDatabaseUrl, benchKafka, freshBenchDatabase, ScimWriter, type BenchKafka, versionOf } from './support';


const ROOT = path.resolve(__dirname, '..');
const RESULTS_DIR = path.join(ROOT, 'bench', 'results');
const CREATE_SHARE = 0.2;

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Options {
  rate: number;
  seconds: number;
  users: number;
  connections: number;
  note: string;
  tenants: number;
  out?: string;
  profile?: string;
  built: boolean;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { rate: 500, seconds: 30, users: 1000, connections: 64, note: process.env.BENCH_NOTE ?? '', built: false, tenants: 1 };
  const num = (name: string, v: string | undefined) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} needs a positive number`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--rate') o.rate = num(a, argv[++i]);
    else if (a === '--seconds') o.seconds = num(a, argv[++i]);
    else if (a === '--users') o.users = Math.round(num(a, argv[++i]));
    else if (a === '--connections') o.connections = Math.round(num(a, argv[++i]));
    else if (a === '--note') o.note = argv[++i] ?? '';
    else if (a === '--out') o.out = argv[++i];
    else if (a === '--profile') o.profile = argv[++i];
    else if (a === '--built') o.built = true;
    else if (a === '--tenants') o.tenants = Math.round(num(a, argv[++i]));
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}


// ---------------------------------------------------------------------------------------------
// Writes

interface Write {
  /** `${resourceId}:${version}` — what the event is matched by. */
  key: string;
  /** performance.now() of the scheduled send and of the 2xx response. */
  scheduledAt: number;
  respondedAt: number;
}



// ---------------------------------------------------------------------------------------------
// Events

interface ReceivedEvent {
  receivedAt: number;
  /** Date.now() - ce_time, ms. */
  sinceCeTimeMs: number;
}

/** subject + version of an event, whatever generation of the worker produced it. */
function eventKey(headers: Record<string, string>, value: string): string | undefined {
  const subject = headers.ce_subject;
  if (!subject) return undefined;
  let version: number | undefined;
  if (headers.ce_sequence) version = Number.parseInt(headers.ce_sequence.split('.')[0], 10);
  if (version === undefined || Number.isNaN(version)) {
    const data = JSON.parse(value) as { version?: number; resource?: { meta?: { version?: string } } | null };
    version = data.version ?? (data.resource?.meta?.version ? versionOf(data.resource.meta.version) : undefined);
  }
  return version === undefined ? undefined : `${subject}:${version}`;
}

/** resource id + version of a ScimChangeRecord on idsync.scim.changes.v1. */
function changeKey(_headers: Record<string, string>, value: string): string | undefined {
  const change = JSON.parse(value) as { resourceId?: string; version?: number };
  return change.resourceId && change.version ? `${change.resourceId}:${change.version}` : undefined;
}

type KeyOf = (headers: Record<string, string>, value: string) => string | undefined;

class TopicReader {
  constructor(private readonly keyOf: KeyOf) {}

  /** First record per resource id + version. */
  readonly events = new Map<string, ReceivedEvent>();
  total = 0;
  private consumer: Consumer | undefined;

  async start(brokers: string, topic: string): Promise<void> {
    const kafka = new Kafka({ clientId: 'bench-events-reader', brokers: [brokers], logLevel: logLevel.NOTHING });
    this.consumer = kafka.consumer({ groupId: `bench-reader-${randomBytes(4).toString('hex')}`, maxWaitTimeInMs: 50 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic, fromBeginning: true });
    const joined = new Promise<void>((resolve) => this.consumer?.on(this.consumer.events.GROUP_JOIN, () => resolve()));
    await this.consumer.run({
      partitionsConsumedConcurrently: 6,
      eachMessage: async ({ message }) => {
        const receivedAt = performance.now();
        this.total++;
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = String(v);
        const key = this.keyOf(headers, message.value?.toString() ?? 'null');
        if (!key || this.events.has(key)) return;
        const ceTime = Date.parse(headers.ce_time ?? '');
        this.events.set(key, { receivedAt, sinceCeTimeMs: Number.isNaN(ceTime) ? NaN : Date.now() - ceTime });
      },
    });
    await joined;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------
// Run

interface Sample {
  second: number;
  outboxUnpublished: number;
  /** Acknowledged writes whose event has not arrived yet. */
  awaitingEvent: number;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  let kafka: BenchKafka | undefined;
  let gateway: AppProcess | undefined;
  let reader: TopicReader | undefined;
  let changesReader: TopicReader | undefined;
  const writers: ScimWriter[] = [];
  let sampler: PgClient | undefined;
  try {
    const dbUrl = benchDatabaseUrl('bench_events');
    const prepareDb = freshBenchDatabase(dbUrl);
    kafka = await benchKafka('bench-events', log);
    const brokers = kafka.brokers;
    await prepareDb;
    const prefix = `bench-ev-${randomBytes(3).toString('hex')}`;
    const adminToken = randomBytes(16).toString('hex');
    const common = { DATABASE_URL: dbUrl, KAFKA_BROKERS: brokers, KAFKA_TOPIC_PREFIX: prefix, NODE_ENV: 'production' };
    gateway = await startAppProcess({ script: builtApp(opts.built, 'scim-gateway'), app: 'scim-gateway', name: 'scim-gateway', env: { ...common, ADMIN_API_TOKEN: adminToken, ...profileEnv(opts.profile, 'scim-gateway') } });
    const worker = await startAppProcess({ script: builtApp(opts.built, 'sync-worker'), app: 'sync-worker', name: 'sync-worker', env: { ...common, WORKER_GROUP_ID: `${prefix}-worker`, ...profileEnv(opts.profile, 'sync-worker') } });
    log(`scim-gateway pid ${gateway.pid} at ${gateway.url}, sync-worker pid ${worker.pid} at ${worker.url}`);

    const admin = async (p: string, body: unknown) => {
      const res = await fetch(`${gateway?.url}/admin${p}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (res.status >= 300) throw new Error(`admin ${p}: ${res.status} ${await res.text()}`);
      return (await res.json()) as Record<string, string>;
    };
    // --tenants N: writes spread round-robin over N tenants (each tenant's writes serialise on its
    // audit chain head until commit, docs/PERFORMANCE.md); one undici pool per tenant token.
    for (let t = 0; t < opts.tenants; t++) {
      const tenant = await admin('/tenants', { name: `${prefix}-${t}` });
      const token = await admin(`/tenants/${tenant.id}/tokens`, { description: 'bench:events' });
      writers.push(new ScimWriter(gateway.url, token.token, Math.max(4, Math.ceil(opts.connections / opts.tenants))));
    }
    reader = new TopicReader(eventKey);
    await reader.start(brokers, topicName(TOPICS.identityEvents, prefix));
    // The internal changes topic too, to split the latency into relay (outbox) and worker parts.
    changesReader = new TopicReader(changeKey);
    await changesReader.start(brokers, topicName(TOPICS.scimChanges, prefix));

    // Pre-created users (PATCH targets), not measured; also warms connections, JIT and the pipeline.
    const t0 = performance.now();
    // Users of tenant t are PATCHed through writers[t]: ids kept per tenant.
    const userIds: string[][] = writers.map(() => []);
    let nextUser = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (nextUser < opts.users) {
          const n = nextUser++;
          userIds[n % writers.length].push((await writers[n % writers.length].create(`pre-${n}`)).id);
        }
      }),
    );
    log(`${opts.users} users created in ${Math.round(performance.now() - t0)} ms; waiting for their events`);
    const deadline = Date.now() + 60_000;
    while (reader.events.size < opts.users && Date.now() < deadline) await sleep(100);
    sampler = new PgClient({ connectionString: dbUrl });
    await sampler.connect();

    // Open loop: request i is due at start + i/rate whatever the server does; HTTP latency counts from that time.
    const total = Math.round(opts.rate * opts.seconds);
    const writes: Write[] = [];
    const httpLatency: number[] = [];
    let failures = 0;
    let firstFailure: string | undefined;
    let inFlight = 0;
    let maxInFlight = 0;
    let created = 0;
    const samples: Sample[] = [];
    const start = performance.now();
    const rss = new RssSampler([gateway, worker].map((p) => ({ name: p.name, pid: p.pid })));
    const sampleTimer = setInterval(() => {
      const second = Math.round((performance.now() - start) / 1000);
      void sampler
        ?.query<{ n: string }>('SELECT count(*) AS n FROM outbox WHERE published_at IS NULL')
        .then((r) => {
          const awaiting = writes.filter((w) => !reader?.events.has(w.key)).length;
          samples.push({ second, outboxUnpublished: Number(r.rows[0].n), awaitingEvent: awaiting });
        })
        .catch(() => undefined);
    }, 1_000);
    const pending: Array<Promise<void>> = [];
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / opts.rate;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const scheduledAt = due;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const op =
        Math.random() < CREATE_SHARE
          ? writers[i % writers.length].create(`load-${created++}-${randomBytes(3).toString('hex')}`)
          : writers[i % writers.length].patch(userIds[i % writers.length][Math.floor(Math.random() * userIds[i % writers.length].length)], i);
      pending.push(
        op.then(
          ({ id, version }) => {
            const respondedAt = performance.now();
            inFlight--;
            httpLatency.push(respondedAt - scheduledAt);
            writes.push({ key: `${id}:${version}`, scheduledAt, respondedAt });
          },
          (err: unknown) => {
            inFlight--;
            failures++;
            firstFailure ??= err instanceof Error ? err.message : String(err);
          },
        ),
      );
    }
    await Promise.all(pending);
    const loadMs = performance.now() - start;
    const rssByApp = rss.stop(start + loadMs / 4, start + loadMs);
    for (const p of [gateway, worker]) if (rssByApp[p.name]) Object.assign(rssByApp[p.name], { heapAtEndOfLoad: await heapStats(p.url) });
    log(`offered ${total} writes in ${Math.round(loadMs)} ms (${failures} failed); waiting for the events`);
    const drainStart = performance.now();
    const drainDeadline = Date.now() + 120_000;
    while (writes.some((w) => !reader?.events.has(w.key)) && Date.now() < drainDeadline) await sleep(50);
    const drainMs = performance.now() - drainStart;
    clearInterval(sampleTimer);
    await sleep(1_100); // the last sample

    const commitToEvent: number[] = [];
    const ceTimeToEvent: number[] = [];
    const commitToChange: number[] = [];
    const changeToEvent: number[] = [];
    let missing = 0;
    let lastEventAt = start;
    for (const w of writes) {
      const e = reader.events.get(w.key);
      if (!e) {
        missing++;
        continue;
      }
      commitToEvent.push(e.receivedAt - w.respondedAt);
      if (!Number.isNaN(e.sinceCeTimeMs)) ceTimeToEvent.push(e.sinceCeTimeMs);
      const c = changesReader.events.get(w.key);
      if (c) {
        commitToChange.push(c.receivedAt - w.respondedAt);
        changeToEvent.push(e.receivedAt - c.receivedAt);
      }
      lastEventAt = Math.max(lastEventAt, e.receivedAt);
    }
    const loadSamples = samples.filter((s) => s.second <= opts.seconds);
    const third = Math.max(1, Math.floor(loadSamples.length / 3));
    const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
    const firstThird = avg(loadSamples.slice(0, third).map((s) => s.awaitingEvent));
    const lastThird = avg(loadSamples.slice(-third).map((s) => s.awaitingEvent));
    // "Grew": in the last third of the run the pipeline was, on average, over a second of writes
    // behind and further behind than in the first third — it did not keep up with the offered rate.
    const backlogGrew = lastThird > opts.rate && lastThird > 2 * firstThird;
    const round = (n: number) => Math.round(n * 100) / 100;
    const result = {
      bench: 'events',
      date: new Date().toISOString(),
      machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version, platform: `${os.platform()} ${os.release()}`, totalMemGb: round(os.totalmem() / 2 ** 30) },
      options: opts,
      setup:
        'Kafka (KRaft, 1 broker), PostgreSQL, scim-gateway and sync-worker as child processes (LOG_LEVEL=warn), load generator and consumer in the bench process; all on this machine',
      writes: {
        offered: total,
        offeredRatePerSec: opts.rate,
        acknowledged: writes.length,
        failures,
        firstFailure,
        achievedRatePerSec: round(writes.length / (loadMs / 1000)),
        // Below 95% of the offered rate the HTTP side saturated: writes queued in the client.
        sustained: writes.length / (loadMs / 1000) >= 0.95 * opts.rate,
        maxInFlight,
        httpLatencyMsFromScheduledSend: summarize(Float64Array.from(httpLatency)),
      },
      events: {
        matched: commitToEvent.length,
        missing,
        receivedTotal: reader.total,
        throughputPerSec: round(commitToEvent.length / ((lastEventAt - start) / 1000)),
        commitToEventMs: summarize(Float64Array.from(commitToEvent)),
        ceTimeToEventMs: summarize(Float64Array.from(ceTimeToEvent)),
        commitToChangesTopicMs: summarize(Float64Array.from(commitToChange)),
        changesTopicToEventMs: summarize(Float64Array.from(changeToEvent)),
        drainAfterLoadMs: Math.round(drainMs),
      },
      backlog: {
        grew: backlogGrew,
        maxOutboxUnpublished: Math.max(0, ...samples.map((s) => s.outboxUnpublished)),
        maxAwaitingEvent: Math.max(0, ...samples.map((s) => s.awaitingEvent)),
        atStart: loadSamples[0],
        atEnd: loadSamples[loadSamples.length - 1],
        samples,
      },
      rssMb: rssByApp,
      profiles: opts.profile ? await stopAndReadProfiles(opts.profile, [gateway, worker]) : undefined,
      note: opts.note,
    };
    printTable(result.writes, result.events, result.backlog);
    process.stdout.write(`RSS (MB): ${Object.entries(rssByApp).map(([n, r]) => `${n} max ${r.maxMb}, steady ${r.steadyMb}`).join('; ')}\n`);
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    const out = opts.out ?? path.join(RESULTS_DIR, `${result.date.slice(0, 10)}-events.json`);
    fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
    log(`results written to ${path.relative(ROOT, out)}`);
  } finally {
    await sampler?.end().catch(() => undefined);
    await reader?.stop().catch(() => undefined);
    await changesReader?.stop().catch(() => undefined);
    await Promise.all(writers.map((w) => w.pool.close().catch(() => undefined)));
    await stopAllAppProcesses();
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
  w: { offeredRatePerSec: number; achievedRatePerSec: number; sustained: boolean; acknowledged: number; failures: number; httpLatencyMsFromScheduledSend: LatencySummary },
  e: {
    matched: number;
    missing: number;
    throughputPerSec: number;
    commitToEventMs: LatencySummary;
    ceTimeToEventMs: LatencySummary;
    commitToChangesTopicMs: LatencySummary;
    changesTopicToEventMs: LatencySummary;
    drainAfterLoadMs: number;
  },
  b: { grew: boolean; maxOutboxUnpublished: number; maxAwaitingEvent: number },
): void {
  const row = (name: string, s: LatencySummary) =>
    `${name.padEnd(28)}${[s.p50, s.p90, s.p99, s.max].map((v) => String(v).padStart(10)).join('')}`;
  const lines = [
    `writes: offered ${w.offeredRatePerSec}/s, achieved ${w.achievedRatePerSec}/s${w.sustained ? '' : ' (NOT sustained: HTTP saturated)'}, ${w.acknowledged} acknowledged, ${w.failures} failed`,
    `events: ${e.matched} matched, ${e.missing} missing, ${e.throughputPerSec}/s; drained ${e.drainAfterLoadMs} ms after the last write`,
    `backlog: grew=${b.grew}, max outbox unpublished ${b.maxOutboxUnpublished}, max writes awaiting their event ${b.maxAwaitingEvent}`,
    '',
    `${'latency (ms)'.padEnd(28)}${['p50', 'p90', 'p99', 'max'].map((h) => h.padStart(10)).join('')}`,
    row('HTTP write (from schedule)', w.httpLatencyMsFromScheduledSend),
    row('commit→event (2xx→receive)', e.commitToEventMs),
    row('ce_time→event (wall clock)', e.ceTimeToEventMs),
    row('  relay: 2xx→changes topic', e.commitToChangesTopicMs),
    row('  worker: changes→event', e.changesTopicToEventMs),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((err: unknown) => {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
