// `npm run bench [-- --only a,b --quick --no-build --note TEXT]`: every benchmark scenario of issue #8,
// one after the other, from a fresh clone. Not a test. Prints one table (scenario, target, measured,
// met) and writes bench/results/<date>.json: the machine (cores, CPU, memory, Node), the load average
// before and after each scenario, and each scenario's figures; each scenario also writes its own
// detailed file bench/results/<date>-<scenario>.json.
//
// What it does:
//  1. `npm run build` (the pipeline/webhook scenarios run the apps' built bundles, as production
//     does; --no-build skips it when dist/ is current);
//  2. one Kafka broker for all scenarios (scripts/kafka.mjs, in a temp dir), unless KAFKA_BROKERS
//     names one already running (then that one is used, with a topic prefix per run);
//  3. each scenario as its own process (its script starts the apps it needs as child processes and
//     its own database on DATABASE_URL's server), sequentially, so they never share the CPU;
//  4. merges the figures into bench/results/<date>.json: scenarios not run this time keep the
//     figures of an earlier run of the same day (so `--only` can re-run one scenario).
//
// Scenarios (names for --only): scim-reads, scim-writes, scim-import, scim-fanout (bench/scim*.bench.ts,
// the SCIM gateway), events, webhooks-e2e, webhooks-fanout (the pipeline and webhook delivery).
// --quick: short runs with small data (development; figures not comparable with the targets).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const ROOT = path.resolve(__dirname, '..');
const RESULTS_DIR = path.join(ROOT, 'bench', 'results');
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

type Json = Record<string, unknown>;

interface Target {
  what: string;
  measured: string;
  met: boolean | null;
}

interface Scenario {
  name: string;
  script: string;
  args: string[];
  quickArgs: string[];
  /** Reads the scenario's results file into target lines. */
  targets: (r: Json) => Target[];
}

// Reading a results file of unknown shape (the SCIM scripts are maintained with the gateway).
const get = (o: unknown, p: string): unknown => p.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Json)[k] : undefined), o);
const num = (o: unknown, p: string): number | undefined => {
  const v = get(o, p);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
};

/** RSS target (issue #8: each app under 256 MB at steady state under load). */
function rssTargets(r: Json): Target[] {
  const rss = (get(r, 'rssMb') ?? {}) as Record<string, { maxMb: number; steadyMb: number }>;
  return Object.entries(rss).map(([app, s]) => ({ what: `${app} RSS < 256 MB (steady)`, measured: `steady ${s.steadyMb} MB, max ${s.maxMb} MB`, met: s.steadyMb < 256 }));
}

function backlogText(r: Json, awaitingKey: string): string {
  const a = get(r, `backlog.atStart.${awaitingKey}`);
  const b = get(r, `backlog.atEnd.${awaitingKey}`);
  return `backlog ${String(a ?? '?')} → ${String(b ?? '?')}${get(r, 'backlog.grew') === true ? ' (grew)' : ''}`;
}

/**
 * Generic lines for a SCIM results file: every object in it with a boolean `met` is a verdict; its
 * `requirement` (or `what`) names the target and its other scalar fields are the figures.
 */
function scimTargets(label: string): (r: Json) => Target[] {
  return (r) => {
    const found: Target[] = [];
    const visit = (v: unknown, where: string, depth: number) => {
      if (!v || typeof v !== 'object' || depth > 5) return;
      if (!Array.isArray(v) && typeof (v as Json).met === 'boolean') {
        const t = v as Json;
        const figures = Object.entries(t)
          .filter(([k, x]) => !['met', 'requirement', 'what'].includes(k) && ['number', 'string'].includes(typeof x))
          .map(([k, x]) => `${k} ${String(x)}`)
          .join(', ');
        found.push({ what: `${label}: ${String(t.requirement ?? t.what ?? where)}`, measured: figures, met: t.met as boolean });
        return;
      }
      for (const [k, x] of Object.entries(v as Json)) visit(x, where ? `${where}.${k}` : k, depth + 1);
    };
    visit(r, '', 0);
    return found.length ? found : [{ what: label, measured: `see ${String(r.__file ?? '')}`, met: null }];
  };
}

const SCENARIOS: Scenario[] = [
  { name: 'scim-reads', script: 'bench/scim.bench.ts', args: [], quickArgs: ['--users', '100000', '--duration', '5'], targets: scimTargets('SCIM reads (1M users)') },
  { name: 'scim-writes', script: 'bench/scim-writes.bench.ts', args: ['--scenario', 'writes'], quickArgs: ['--scenario', 'writes', '--duration', '5'], targets: scimTargets('SCIM writes') },
  { name: 'scim-import', script: 'bench/scim-writes.bench.ts', args: ['--scenario', 'import'], quickArgs: ['--scenario', 'import', '--users', '5000'], targets: scimTargets('Okta-style import') },
  { name: 'scim-fanout', script: 'bench/scim-writes.bench.ts', args: ['--scenario', 'fanout'], quickArgs: ['--scenario', 'fanout', '--members', '2000'], targets: scimTargets('group fan-out') },
  {
    name: 'events',
    script: 'bench/events.bench.ts',
    // Four tenants: 500 changes/s platform-wide; one tenant's writes serialise on its audit chain (bench:audit shows that ceiling).
    args: ['--built', '--rate', '500', '--seconds', '60', '--tenants', '4'],
    quickArgs: ['--built', '--rate', '300', '--seconds', '10', '--tenants', '4'],
    targets: (r) => [
      {
        what: 'SCIM commit → public CloudEvent p99 < 100 ms at 500 changes/s (4 tenants) for 60 s, no backlog growth',
        measured: `p99 ${num(r, 'events.commitToEventMs.p99')} ms (p50 ${num(r, 'events.commitToEventMs.p50')}), ${num(r, 'writes.achievedRatePerSec')} writes/s achieved; ${backlogText(r, 'awaitingEvent')}`,
        met: (num(r, 'events.commitToEventMs.p99') ?? Infinity) < 100 && get(r, 'writes.sustained') === true && get(r, 'backlog.grew') === false && num(r, 'events.missing') === 0,
      },
      ...rssTargets(r),
    ],
  },
  {
    name: 'webhooks-e2e',
    script: 'bench/webhooks.bench.ts',
    args: ['--built', '--mode', 'e2e', '--rate', '500', '--seconds', '60', '--subscriptions', '1', '--max-concurrency', '50'],
    quickArgs: ['--built', '--mode', 'e2e', '--rate', '300', '--seconds', '10', '--subscriptions', '1', '--max-concurrency', '50', '--users', '300'],
    targets: (r) => [
      {
        what: 'SCIM commit → webhook receiver p99 < 250 ms at 500 changes/s for 60 s, no backlog growth',
        measured: `p99 ${num(r, 'deliveries.latencyMs.p99')} ms (p50 ${num(r, 'deliveries.latencyMs.p50')}), ${num(r, 'load.achievedRatePerSec')} writes/s achieved; ${backlogText(r, 'awaitingDelivery')}`,
        met:
          (num(r, 'deliveries.latencyMs.p99') ?? Infinity) < 250 &&
          (num(r, 'load.achievedRatePerSec') ?? 0) >= 0.95 * 500 &&
          get(r, 'backlog.grew') === false &&
          num(r, 'deliveries.missing') === 0,
      },
      ...rssTargets(r),
    ],
  },
  {
    name: 'webhooks-fanout',
    script: 'bench/webhooks.bench.ts',
    args: ['--built', '--mode', 'fanout', '--rate', '500', '--seconds', '30', '--subscriptions', '4', '--max-concurrency', '50'],
    quickArgs: ['--built', '--mode', 'fanout', '--rate', '300', '--seconds', '10', '--subscriptions', '4', '--max-concurrency', '50'],
    targets: (r) => [
      {
        what: 'webhook fan-out ≥ 2,000 signed deliveries/s to a local receiver',
        measured: `${num(r, 'deliveries.perSec')}/s (offered ${num(r, 'deliveries.offeredPerSec')}/s), ${num(r, 'deliveries.missing')} missing, ${num(r, 'deliveries.signatureFailures')} bad signatures`,
        met: (num(r, 'deliveries.perSec') ?? 0) >= 2000 && num(r, 'deliveries.missing') === 0 && num(r, 'deliveries.signatureFailures') === 0,
      },
      ...rssTargets(r),
    ],
  },
];

interface Options {
  only?: Set<string>;
  quick: boolean;
  build: boolean;
  note: string;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { quick: false, build: true, note: process.env.BENCH_NOTE ?? '' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--only') {
      o.only = new Set((argv[++i] ?? '').split(',').filter(Boolean));
      const unknown = [...o.only].filter((n) => !SCENARIOS.some((s) => s.name === n));
      if (unknown.length) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
    } else if (a === '--quick') o.quick = true;
    else if (a === '--no-build') o.build = false;
    else if (a === '--note') o.note = argv[++i] ?? '';
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

const loadAvg = () => os.loadavg().map((l) => Math.round(l * 100) / 100);

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const date = new Date().toISOString().slice(0, 10);
  const selected = SCENARIOS.filter((s) => !opts.only || opts.only.has(s.name));
  const machine = { cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', totalMemGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10, node: process.version, platform: `${os.platform()} ${os.release()}` };
  log(`${selected.length} scenario(s) on ${machine.cores} cores (${machine.cpu}); load average ${loadAvg().join(' ')}`);
  if (opts.build) {
    log('npm run build');
    if ((await run('npm', ['run', '-s', 'build'], process.env)) !== 0) throw new Error('npm run build failed');
  }

  let stopKafka: () => Promise<void> = async () => undefined;
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (!process.env.KAFKA_BROKERS) {
    const kafka = (await import('../scripts/kafka.mjs')) as typeof import('../scripts/kafka.mjs');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'idsync-bench-kafka-'));
    const { brokers } = await kafka.startKafka({ dir });
    log(`Kafka ${brokers} started for every scenario`);
    env.KAFKA_BROKERS = brokers;
    stopKafka = async () => {
      await kafka.stopKafka({ dir });
      fs.rmSync(dir, { recursive: true, force: true });
    };
  }

  const summaryFile = path.join(RESULTS_DIR, `${date}.json`);
  const previous = fs.existsSync(summaryFile) ? (JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as { scenarios?: Record<string, Json> }) : {};
  const scenarios: Record<string, Json> = { ...(previous.scenarios ?? {}) };
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  try {
    for (const s of selected) {
      const out = path.join(RESULTS_DIR, `${date}-${s.name}${opts.quick ? '-quick' : ''}.json`);
      const args = [...s.args.filter(() => !opts.quick), ...(opts.quick ? s.quickArgs : []), '--out', out, ...(opts.note ? ['--note', opts.note] : [])];
      const command = `npm run bench -- --only ${s.name}${opts.quick ? ' --quick' : ''}  (= node -r ./scripts/register.cjs ${s.script} ${args.filter((a) => a !== out && a !== '--out').join(' ')})`;
      const loadBefore = loadAvg();
      log(`── ${s.name}: ${s.script} ${args.join(' ')} (load ${loadBefore.join(' ')})`);
      const t0 = performance.now();
      if (fs.existsSync(out)) fs.rmSync(out);
      const code = await run(process.execPath, ['-r', './scripts/register.cjs', s.script, ...args], env);
      const seconds = Math.round((performance.now() - t0) / 100) / 10;
      const result = fs.existsSync(out) ? ({ ...(JSON.parse(fs.readFileSync(out, 'utf8')) as Json), __file: path.relative(ROOT, out) } as Json) : undefined;
      const targets = result ? s.targets(result) : [{ what: s.name, measured: `failed (exit ${code}), no results`, met: false }];
      scenarios[s.name] = { command, quick: opts.quick, exitCode: code, seconds, loadAverageBefore: loadBefore, loadAverageAfter: loadAvg(), file: path.relative(ROOT, out), targets };
    }
  } finally {
    await stopKafka();
  }

  const summary = { date: new Date().toISOString(), machine, note: opts.note, scenarios };
  fs.writeFileSync(summaryFile, JSON.stringify(summary, null, 2) + '\n');
  const rows = Object.entries(scenarios).flatMap(([name, s]) => ((s.targets as Target[]) ?? []).map((t) => ({ name, ...t })));
  const width = Math.min(90, Math.max(...rows.map((r) => r.what.length)));
  process.stdout.write(`\n${'scenario'.padEnd(16)}${'target'.padEnd(width + 2)}met   measured\n`);
  for (const r of rows) process.stdout.write(`${r.name.padEnd(16)}${r.what.slice(0, width).padEnd(width + 2)}${(r.met === null ? '?' : r.met ? 'yes' : 'NO').padEnd(6)}${r.measured}\n`);
  log(`summary written to ${path.relative(ROOT, summaryFile)}`);
  if (Object.values(scenarios).some((s) => s.exitCode !== 0)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
