// SCIM write benchmarks of scim-gateway (issue #8). Not a test: each scenario prints a table and
// writes bench/results/<date>-scim-<scenario>.json (machine core count, load average, uptime).
//
//   npm run bench:scim-writes  [-- --concurrency 32 --duration 15]     POST /Users and PATCH /Users/{id}
//   npm run bench:scim-import  [-- --users 100000 --concurrency 16]     Okta-style initial import
//   npm run bench:scim-fanout  [-- --members 10000]                     one PATCH adding N members to a group
//
// (all three are this file with --scenario writes|import|fanout.)
//
// Each run recreates its own database (idsync_bench_scim_<scenario>; BENCH_DATABASE_URL overrides),
// uses KAFKA_BROKERS or starts a throwaway broker, and starts scim-gateway as a child process
// (NODE_ENV=production, LOG_LEVEL=warn) — plus sync-worker for the fan-out, whose events are counted
// on the public topic. The load generator (undici, keep-alive, 127.0.0.1 only) runs in this process.
//
//  - writes: every request is one transaction with the resource, the audit record and the outbox
//    row (the relay publishes to Kafka meanwhile). Per operation a latency run (concurrency 1) and
//    a saturation run (closed loop at --concurrency for --duration s). POST bodies are Okta-like
//    users with the enterprise extension; PATCH replaces `title` of a random user created before.
//  - import: what Okta does for each user it pushes to a new app: `GET /Users?filter=userName eq
//    "…"` (expects none), then `POST /Users`; --concurrency parallel connections (Okta provisions
//    with a handful of parallel connections; 16 here), --users users. Reports the wall time.
//  - fanout: --members users are bulk-loaded with SQL (bench-users.ts; they are member targets
//    only), one group is created, then ONE `PATCH /Groups/{id}` adds all of them. Reports the HTTP
//    time, and the time until idsync.group.member.added events for every member have reached
//    idsync.identity.events.v1 (read by a consumer in this process), with their count.
//
// Options: --scenario S, --concurrency C, --duration S, --latency-requests R, --users N,
//          --members N, --cpu-prof DIR (profile the gateway, print its top frames), --note TEXT, --out FILE.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kafka, logLevel } from 'kafkajs';
import { Client as PgClient } from 'pg';
import { Pool } from 'undici';
import { TOPICS, topicName } from '@idsync/contracts';
import { benchUserBody, benchUserId, benchUserName, usersSelectParams, usersSelectSql } from './bench-users';
import { runLoad, summarize, type LatencySummary, type LoadResult } from './load';
import { RESULTS_DIR, log, machineInfo, printProfile, shellQuote, sleep, startScimStack, summarizeCpuProfile, writeResults, type ScimStack } from './scim-stack';

type ScenarioName = 'writes' | 'import' | 'fanout';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const INSERT_COLUMNS = 'id, tenant_id, resource_type, user_name, external_id, display_name, active, data, norm, version, created_at, updated_at';

interface Options {
  scenario: ScenarioName;
  concurrency?: number;
  durationMs: number;
  latencyRequests: number;
  users: number;
  members: number;
  cpuProfDir?: string;
  note: string;
  out?: string;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { scenario: 'writes', durationMs: 15_000, latencyRequests: 300, users: 100_000, members: 10_000, note: process.env.BENCH_NOTE ?? '' };
  const num = (name: string, v: string | undefined) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} needs a positive number`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--scenario') {
      const s = argv[++i];
      if (s !== 'writes' && s !== 'import' && s !== 'fanout') throw new Error('--scenario is writes, import or fanout');
      o.scenario = s;
    } else if (a === '--concurrency') o.concurrency = Math.round(num(a, argv[++i]));
    else if (a === '--duration') o.durationMs = num(a, argv[++i]) * 1000;
    else if (a === '--latency-requests') o.latencyRequests = Math.round(num(a, argv[++i]));
    else if (a === '--users') o.users = Math.round(num(a, argv[++i]));
    else if (a === '--members') o.members = Math.round(num(a, argv[++i]));
    else if (a === '--cpu-prof') o.cpuProfDir = argv[++i];
    else if (a === '--note') o.note = argv[++i] ?? '';
    else if (a === '--out') o.out = argv[++i];
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

const ID_IN_BODY = /"id":"([0-9a-f-]{36})"/;

// ---------------------------------------------------------------------------------------------
// writes: POST /Users and PATCH /Users/{id}

async function writesScenario(stack: ScimStack, opts: Options) {
  const concurrency = opts.concurrency ?? 32;
  const headers = { authorization: `Bearer ${stack.token}`, accept: 'application/scim+json' };
  const created: string[] = [];
  let next = 1;
  const post = { origin: stack.gateway.url, headers, nextRequest: () => ({ method: 'POST' as const, path: '/scim/v2/Users', body: benchUserBody(stack.tenantId, next++) }) };
  const keepId = (status: number, body: string) => {
    const m = ID_IN_BODY.exec(body);
    if (status !== 201 || !m) return false;
    created.push(m[1]);
    return true;
  };
  let n = 0;
  const patch = {
    origin: stack.gateway.url,
    headers,
    nextRequest: () => ({
      method: 'PATCH' as const,
      path: `/scim/v2/Users/${created[Math.floor(Math.random() * created.length)]}`,
      body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: `title-${n++}` }] },
    }),
    check: (status: number) => status === 200,
  };
  const runs: Array<{ operation: string; run: string; result: LoadResult; waits?: WaitSample }> = [];
  const run = async (operation: string, name: string, p: Promise<LoadResult>) => {
    const sampler = name === 'saturation' ? await WaitSampler.start(stack.dbUrl) : undefined;
    const result = await p;
    const waits = await sampler?.stop();
    runs.push({ operation, run: name, result, waits });
    if (waits) log(`${operation} ${name}: database sessions of this run, average per sample: ${formatWaits(waits)}`);
    log(`${operation} ${name}: ${result.throughputPerSec}/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, ${result.failures} failed${result.firstFailure ? ` (${result.firstFailure})` : ''}`);
  };
  log(`POST /Users: latency run (concurrency 1, ${opts.latencyRequests} requests)`);
  await run('POST /Users', 'latency', runLoad({ ...post, check: keepId, concurrency: 1, maxRequests: opts.latencyRequests, durationMs: 30_000, warmupRequests: 50 }));
  log(`POST /Users: saturation run (concurrency ${concurrency}, ${opts.durationMs / 1000} s)`);
  await run('POST /Users', 'saturation', runLoad({ ...post, check: keepId, concurrency, maxRequests: 1_000_000, durationMs: opts.durationMs, warmupRequests: 100 }));
  log(`PATCH /Users/{id} on ${created.length} users: latency run`);
  await run('PATCH /Users/{id}', 'latency', runLoad({ ...patch, concurrency: 1, maxRequests: opts.latencyRequests, durationMs: 30_000, warmupRequests: 50 }));
  log(`PATCH /Users/{id}: saturation run (concurrency ${concurrency}, ${opts.durationMs / 1000} s)`);
  await run('PATCH /Users/{id}', 'saturation', runLoad({ ...patch, concurrency, maxRequests: 1_000_000, durationMs: opts.durationMs, warmupRequests: 100 }));

  const head = ['operation', 'run', 'conc', 'requests', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'fail'];
  const widths = [20, 10, 5, 9, 8, 8, 8, 8, 9, 5];
  const line = (cells: unknown[]) => cells.map((c, i) => (i >= 2 ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join(' ');
  const out = [line(head), line(widths.map((w) => '-'.repeat(w)))];
  for (const r of runs) out.push(line([r.operation, r.run, r.result.concurrency, r.result.requests, r.result.throughputPerSec, r.result.latencyMs.p50, r.result.latencyMs.p90, r.result.latencyMs.p99, r.result.latencyMs.max, r.result.failures]));
  const sat = (op: string) => runs.find((r) => r.operation === op && r.run === 'saturation')?.result.throughputPerSec ?? 0;
  out.push('', `target: POST and PATCH at least 1,000/s — POST ${sat('POST /Users')}/s, PATCH ${sat('PATCH /Users/{id}')}/s`);
  for (const r of runs) if (r.waits) out.push(`${r.operation} saturation, database sessions (average per 100 ms sample): ${formatWaits(r.waits)}`);
  process.stdout.write(`\n${out.join('\n')}\n`);
  return {
    benchmark: 'scim-gateway writes (POST /Users, PATCH /Users/{id}; each a transaction with audit + outbox)',
    setup: {
      latencyRun: `concurrency 1, ${opts.latencyRequests} requests after 50 warm-up`,
      saturationRun: `closed loop, concurrency ${concurrency}, ${opts.durationMs / 1000} s after 100 warm-up`,
      postBody: 'Okta-like user with the enterprise extension (bench-users.ts benchUserBody)',
      patchBody: 'replace title of a uniformly random user created by the POST runs',
      gateway: 'default settings (DATABASE_POOL_SIZE 20: 15 concurrent writes, the rest queued); outbox relay publishing to Kafka in the same process; no sync-worker',
    },
    runs: runs.map((r) => ({ operation: r.operation, run: r.run, ...r.result, ...(r.waits ? { databaseSessions: r.waits } : {}) })),
    target: { requirement: 'POST /Users and PATCH at least 1,000/s', postPerSec: sat('POST /Users'), patchPerSec: sat('PATCH /Users/{id}'), met: sat('POST /Users') >= 1000 && sat('PATCH /Users/{id}') >= 1000 },
  };
}

/** Average number of the gateway's database sessions per state / wait event, sampled every 100 ms. */
type WaitSample = Record<string, number>;

/**
 * Samples pg_stat_activity during a saturation run: how many of the gateway's sessions were running
 * (CPU), waiting for a lock (e.g. the tenant's audit chain head), for WAL/commit I/O, or idle in a
 * transaction (waiting for the gateway's next statement) — what a write is waiting for.
 */
class WaitSampler {
  private readonly totals = new Map<string, number>();
  private samples = 0;
  private timer: NodeJS.Timeout | undefined;
  private constructor(private readonly db: PgClient) {}

  static async start(dbUrl: string): Promise<WaitSampler> {
    const db = new PgClient({ connectionString: dbUrl, application_name: 'bench-wait-sampler' });
    await db.connect();
    const sampler = new WaitSampler(db);
    sampler.timer = setInterval(() => void sampler.sample(), 100);
    return sampler;
  }

  private async sample(): Promise<void> {
    const { rows } = await this.db
      .query<{ what: string; n: number }>(
        `SELECT CASE WHEN state = 'active' AND wait_event IS NULL THEN 'active (cpu)'
                     WHEN state = 'active' THEN 'wait ' || wait_event_type || ':' || wait_event
                     ELSE state END AS what, count(*)::int AS n
           FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'
            AND application_name <> 'bench-wait-sampler' AND state <> 'idle' GROUP BY 1`,
      )
      .catch(() => ({ rows: [] as Array<{ what: string; n: number }> }));
    this.samples++;
    for (const r of rows) this.totals.set(r.what, (this.totals.get(r.what) ?? 0) + r.n);
  }

  async stop(): Promise<WaitSample> {
    clearInterval(this.timer);
    await this.db.end().catch(() => undefined);
    const out: WaitSample = {};
    for (const [what, n] of [...this.totals].sort((a, b) => b[1] - a[1])) out[what] = Math.round((n / Math.max(1, this.samples)) * 100) / 100;
    return out;
  }
}

const formatWaits = (w: WaitSample) =>
  Object.entries(w)
    .slice(0, 6)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

// ---------------------------------------------------------------------------------------------
// import: filter, then POST, per user (what Okta does on an initial push)

async function importScenario(stack: ScimStack, opts: Options) {
  const concurrency = opts.concurrency ?? 16;
  const pool = new Pool(stack.gateway.url, { connections: concurrency, pipelining: 1, keepAliveTimeout: 60_000 });
  const auth = { authorization: `Bearer ${stack.token}`, accept: 'application/scim+json' };
  const filterMs = new Float64Array(opts.users);
  const postMs = new Float64Array(opts.users);
  const userMs = new Float64Array(opts.users);
  let next = 0;
  let done = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const fail = (what: string) => {
    failures++;
    firstFailure ??= what;
  };
  const sampler = await WaitSampler.start(stack.dbUrl);
  const start = performance.now();
  const progress = setInterval(() => log(`import: ${done}/${opts.users} users after ${Math.round((performance.now() - start) / 1000)} s`), 10_000);
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < opts.users) {
          const k = next++;
          const i = k + 1;
          const t0 = performance.now();
          try {
            const filter = encodeURIComponent(`userName eq "${benchUserName(i)}"`);
            const q = await pool.request({ method: 'GET', path: `/scim/v2/Users?filter=${filter}`, headers: auth });
            const qText = await q.body.text();
            const t1 = performance.now();
            if (q.statusCode !== 200 || !qText.includes('"totalResults":0')) {
              fail(`GET filter: ${q.statusCode} ${qText.slice(0, 200)}`);
              continue;
            }
            const p = await pool.request({
              method: 'POST',
              path: '/scim/v2/Users',
              headers: { ...auth, 'content-type': 'application/scim+json' },
              body: JSON.stringify(benchUserBody(stack.tenantId, i)),
            });
            const pText = await p.body.text();
            const t2 = performance.now();
            if (p.statusCode !== 201) {
              fail(`POST: ${p.statusCode} ${pText.slice(0, 200)}`);
              continue;
            }
            filterMs[k] = t1 - t0;
            postMs[k] = t2 - t1;
            userMs[k] = t2 - t0;
            done++;
          } catch (err) {
            fail(err instanceof Error ? err.message : String(err));
          }
        }
      }),
    );
  } finally {
    clearInterval(progress);
    await pool.close();
  }
  const wallMs = performance.now() - start;
  const waits = await sampler.stop();
  const ok = (a: Float64Array) => a.filter((v) => v > 0);
  const summary = {
    users: opts.users,
    imported: done,
    failures,
    firstFailure,
    concurrency,
    wallSeconds: Math.round(wallMs / 100) / 10,
    usersPerSec: Math.round((done / wallMs) * 10_000) / 10,
    filterLatencyMs: summarize(ok(filterMs)),
    postLatencyMs: summarize(ok(postMs)),
    perUserLatencyMs: summarize(ok(userMs)),
    databaseSessions: waits,
  };
  const row = (name: string, s: LatencySummary) => `${name.padEnd(28)}${[s.p50, s.p90, s.p99, s.max].map((v) => String(v).padStart(10)).join('')}`;
  process.stdout.write(
    [
      '',
      `Okta-style import: ${done}/${opts.users} users (filter then POST each) at concurrency ${concurrency} in ${summary.wallSeconds} s = ${summary.usersPerSec} users/s, ${failures} failed`,
      `${'latency (ms)'.padEnd(28)}${['p50', 'p90', 'p99', 'max'].map((h) => h.padStart(10)).join('')}`,
      row('GET ?filter=userName eq', summary.filterLatencyMs),
      row('POST /Users', summary.postLatencyMs),
      row('per user (both)', summary.perUserLatencyMs),
      `database sessions (average per 100 ms sample): ${formatWaits(waits)}`,
      `target: 100,000 users in under 3 min (${opts.users === 100_000 ? (wallMs < 180_000 ? 'met' : 'NOT met') : `this run: ${opts.users} users; at this rate 100,000 take ${Math.round(100_000 / Math.max(0.001, summary.usersPerSec))} s`})`,
      '',
    ].join('\n'),
  );
  return {
    benchmark: 'Okta-style initial import (GET /Users?filter=userName eq, then POST /Users, per user)',
    setup: { concurrency: `${concurrency} parallel connections (Okta provisions with a handful of parallel connections)`, users: 'bench-users.ts benchUserBody (enterprise extension), empty tenant' },
    result: summary,
    target: {
      requirement: '100,000 users in under 3 minutes',
      projectedSecondsFor100k: Math.round(100_000 / Math.max(0.001, summary.usersPerSec)),
      met: opts.users >= 100_000 && done === opts.users && wallMs < 180_000,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// fanout: one PATCH adding N members to one group; one member.added event per member on Kafka

async function fanoutScenario(stack: ScimStack, opts: Options) {
  const db = new PgClient({ connectionString: stack.dbUrl });
  await db.connect();
  const kafka = new Kafka({ clientId: 'bench-fanout-reader', brokers: stack.brokers.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `bench-fanout-${randomBytes(4).toString('hex')}`, maxWaitTimeInMs: 50 });
  try {
    const tl = performance.now();
    await db.query(`INSERT INTO scim_resources (${INSERT_COLUMNS}) ${usersSelectSql()}`, usersSelectParams(stack.tenantId, 1, opts.members, opts.members));
    await db.query('ANALYZE scim_resources');
    log(`${opts.members} member users loaded with SQL in ${Math.round(performance.now() - tl)} ms`);

    const auth = { authorization: `Bearer ${stack.token}`, 'content-type': 'application/scim+json' };
    const createRes = await fetch(`${stack.gateway.url}/scim/v2/Groups`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ schemas: [GROUP_SCHEMA], displayName: 'bench fan-out' }),
    });
    const group = (await createRes.json()) as { id: string };
    if (createRes.status !== 201) throw new Error(`POST /Groups: ${createRes.status} ${JSON.stringify(group)}`);

    // Events of this group, from the start of the topic; one per (type, member) counted once.
    const memberAdded = new Map<string, number>();
    let largestMemberEventBytes = 0; // value + headers: each carries the group without its members
    let otherEvents = 0;
    let firstEventAt = 0;
    await consumer.connect();
    await consumer.subscribe({ topic: topicName(TOPICS.identityEvents, stack.prefix), fromBeginning: true });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({
      partitionsConsumedConcurrently: 6,
      eachMessage: async ({ message }) => {
        const h = (k: string) => message.headers?.[k]?.toString();
        if (h('ce_subject') !== group.id) return;
        if (h('ce_type') !== 'idsync.group.member.added') {
          otherEvents++;
          return;
        }
        const headerBytes = Object.entries(message.headers ?? {}).reduce((n, [k, v]) => n + k.length + (Buffer.isBuffer(v) ? v.length : 0), 0);
        largestMemberEventBytes = Math.max(largestMemberEventBytes, (message.value?.length ?? 0) + headerBytes);
        const data = JSON.parse(message.value?.toString() ?? '{}') as { member?: { id?: string } };
        if (data.member?.id && !memberAdded.has(data.member.id)) {
          memberAdded.set(data.member.id, performance.now());
          firstEventAt ||= performance.now();
        }
      },
    });
    await joined;

    stack.startProfiling();
    const body = JSON.stringify({
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'members', value: Array.from({ length: opts.members }, (_, k) => ({ value: benchUserId(stack.tenantId, k + 1) })) }],
    });
    log(`PATCH /Groups/${group.id}: adding ${opts.members} members in one request (${Math.round(body.length / 1024)} KiB)`);
    const t0 = performance.now();
    // A fresh connection: a pooled one idle past the server's keep-alive timeout may be reset under it.
    const client = new Pool(stack.gateway.url, { connections: 1 });
    const res = await client.request({ method: 'PATCH', path: `/scim/v2/Groups/${group.id}`, headers: auth, body }).catch((err: unknown) => {
      throw new Error(`PATCH /Groups failed after ${Math.round(performance.now() - t0)} ms: ${String(err)}\ngateway output (tail):\n${stack.gateway.stderr().slice(-3000)}`, { cause: err });
    });
    const resText = await res.body.text();
    const httpMs = performance.now() - t0;
    await client.close();
    const status = res.statusCode;
    if (status !== 200 && status !== 204) throw new Error(`PATCH /Groups: ${status} ${resText.slice(0, 300)}`);
    log(`PATCH answered ${status} in ${Math.round(httpMs)} ms (${Math.round(resText.length / 1024)} KiB); waiting for ${opts.members} member.added events`);

    const stored = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM scim_group_members WHERE group_id = $1', [group.id])).rows[0].n;
    const outboxRow = (
      await db.query<{ bytes: number; published: boolean }>(
        `SELECT octet_length(payload::text) AS bytes, published_at IS NOT NULL AS published FROM outbox WHERE payload->>'resourceId' = $1 ORDER BY id DESC LIMIT 1`,
        [group.id],
      )
    ).rows[0];
    const deadline = Date.now() + 180_000;
    let lastCount = -1;
    let lastChange = Date.now();
    while (memberAdded.size < opts.members && Date.now() < deadline) {
      await sleep(100);
      if (memberAdded.size !== lastCount) {
        lastCount = memberAdded.size;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > 60_000) break; // nothing new for a minute: stuck
    }
    const lastEventAt = Math.max(0, ...memberAdded.values());
    const outboxAfter = (
      await db.query<{ published: boolean; attempts: number | null }>(
        `SELECT published_at IS NOT NULL AS published FROM outbox WHERE payload->>'resourceId' = $1 ORDER BY id DESC LIMIT 1`,
        [group.id],
      )
    ).rows[0];
    const result = {
      members: opts.members,
      httpStatus: status,
      httpMs: Math.round(httpMs),
      requestKiB: Math.round(body.length / 1024),
      responseKiB: Math.round(resText.length / 1024),
      membershipRowsStored: stored,
      changeRecordBytes: outboxRow?.bytes ?? null,
      changeRecordPublished: outboxAfter?.published ?? false,
      memberAddedEvents: memberAdded.size,
      largestMemberEventBytes,
      otherEventsOfTheGroup: otherEvents,
      patchToFirstEventMs: firstEventAt ? Math.round(firstEventAt - t0) : null,
      patchToLastEventMs: lastEventAt ? Math.round(lastEventAt - t0) : null,
    };
    const allEvents = memberAdded.size === opts.members;
    if (!allEvents) log(`events missing; sync-worker output (tail):\n${stack.worker?.stderr().slice(-3000) ?? ''}`);
    process.stdout.write(
      [
        '',
        `group fan-out: one PATCH adding ${opts.members} members → HTTP ${status} in ${result.httpMs} ms (request ${result.requestKiB} KiB, response ${result.responseKiB} KiB), ${stored} membership rows`,
        `change record ${result.changeRecordBytes ?? '?'} bytes, published to Kafka: ${result.changeRecordPublished}`,
        `member.added events on the public topic: ${memberAdded.size}/${opts.members}${result.patchToLastEventMs !== null ? `, first after ${result.patchToFirstEventMs} ms, last after ${result.patchToLastEventMs} ms` : ''} (largest ${largestMemberEventBytes} bytes with headers)`,
        `target: completed in under 5 s with one event per member — ${result.httpMs < 5000 ? 'HTTP under 5 s' : 'HTTP NOT under 5 s'}, ${allEvents ? 'every member event arrived' : 'events MISSING'}`,
        '',
      ].join('\n'),
    );
    return {
      benchmark: 'group fan-out (one PATCH adding N members to one group; member.added events counted on idsync.identity.events.v1)',
      setup: { members: `${opts.members} users bulk-loaded with SQL (bench-users.ts), group created by POST /Groups, then PATCH op add path members`, worker: 'sync-worker child process (default settings)' },
      result,
      target: { requirement: 'completed in under 5 s, one membership event per member reaching Kafka', met: result.httpMs < 5000 && allEvents },
    };
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await db.end().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const started = new Date();
  const loadavgStart = os.loadavg();
  log(`scenario ${opts.scenario}, ${os.cpus().length} cores, load average ${loadavgStart.map((v) => v.toFixed(2)).join(' ')}`);
  let stack: ScimStack | undefined;
  const onSignal = () => {
    log('interrupted: stopping what was started');
    void (stack?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    stack = await startScimStack({ name: `bench_scim_${opts.scenario}`, worker: opts.scenario === 'fanout', cpuProfDir: opts.cpuProfDir });
    const t0 = performance.now();
    if (opts.scenario !== 'fanout') stack.startProfiling(); // the fan-out starts it after its data load
    const scenario = opts.scenario === 'writes' ? await writesScenario(stack, opts) : opts.scenario === 'import' ? await importScenario(stack, opts) : await fanoutScenario(stack, opts);
    const runtimeMs = Math.round(performance.now() - t0);
    const profileFile = await stack.stop();
    stack = undefined;
    const profile = profileFile ? summarizeCpuProfile(profileFile) : undefined;
    if (profile) printProfile(profile);
    const report = {
      ...scenario,
      date: started.toISOString(),
      command: `npm run bench:scim-${opts.scenario}${process.argv.length > 2 ? ` -- ${process.argv.slice(2).filter((a, i, all) => a !== '--scenario' && all[i - 1] !== '--scenario').map(shellQuote).join(' ')}` : ''}`.replace(/ -- $/, ''),
      machine: machineInfo(loadavgStart),
      note: opts.note,
      ...(profile ? { gatewayCpuProfile: { file: profileFile, ...profile } } : {}),
      scenarioRuntimeMs: runtimeMs,
    };
    writeResults(opts.out ?? path.join(RESULTS_DIR, `${started.toISOString().slice(0, 10)}-scim-${opts.scenario}.json`), report);
  } finally {
    await stack?.stop();
  }
}

main().catch((err: unknown) => {
  log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
