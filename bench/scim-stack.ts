// The stack the SCIM write benches drive: a fresh database, a broker (KAFKA_BROKERS or a throwaway
// one), scim-gateway (and sync-worker when asked) as child processes, a tenant and its SCIM token
// through the admin API; plus what every SCIM bench reports about the machine, and the optional CPU
// profile of the gateway (`--cpu-prof DIR`: the V8 sampling profiler runs in the gateway, see
// scim-cpu-prof.cjs, and the profile's top self-time frames are printed and stored with the results).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startAppProcess, stopAllAppProcesses, type AppProcess } from '../test/support/app-process';
import { benchDatabaseUrl, benchKafka, freshBenchDatabase, type BenchKafka } from './support';

export const ROOT = path.resolve(__dirname, '..');
export const RESULTS_DIR = path.join(ROOT, 'bench', 'results');

export const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round2 = (n: number) => Math.round(n * 100) / 100;

/** Core count, CPU, load average and uptime: figures from a shared 2-core machine mean little without them. */
export function machineInfo(loadavgStart: number[]) {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
    uptimeSeconds: Math.round(os.uptime()),
    loadavgStart: loadavgStart.map(round2),
    loadavgEnd: os.loadavg().map(round2),
  };
}

export interface ScimStack {
  dbUrl: string;
  brokers: string;
  prefix: string;
  gateway: AppProcess;
  worker?: AppProcess;
  tenantId: string;
  token: string;
  /** With --cpu-prof: starts the gateway's profiler (call it when set-up is done). */
  startProfiling(): void;
  /** Stops the apps (the gateway's CPU profile is written then), the broker it started; returns the profile file, if any. */
  stop(): Promise<string | undefined>;
}

export interface ScimStackOptions {
  /** Database idsync_<name> (dropped and recreated), topic prefix and tenant name. */
  name: string;
  worker: boolean;
  /** Directory for the gateway's .cpuprofile (scim-cpu-prof.cjs). */
  cpuProfDir?: string;
  gatewayEnv?: Record<string, string>;
}

export async function startScimStack(opts: ScimStackOptions): Promise<ScimStack> {
  const dbUrl = benchDatabaseUrl(opts.name);
  const prepareDb = freshBenchDatabase(dbUrl);
  let kafka: BenchKafka | undefined;
  try {
    kafka = await benchKafka(opts.name, log);
    await prepareDb;
    const prefix = `${opts.name}-${randomBytes(3).toString('hex')}`;
    const adminToken = randomBytes(16).toString('hex');
    const common = { DATABASE_URL: dbUrl, KAFKA_BROKERS: kafka.brokers, KAFKA_TOPIC_PREFIX: prefix, NODE_ENV: 'production', LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'warn' };
    let profileDir: string | undefined;
    const nodeOptions: Record<string, string> = {};
    if (opts.cpuProfDir) {
      profileDir = path.resolve(opts.cpuProfDir);
      fs.mkdirSync(profileDir, { recursive: true });
      nodeOptions.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --require ${path.join(ROOT, 'bench', 'scim-cpu-prof.cjs')}`.trim();
      nodeOptions.IDSYNC_CPU_PROF_DIR = profileDir;
    }
    const profilesBefore = new Set(profileDir ? fs.readdirSync(profileDir) : []);
    const gateway = await startAppProcess({
      app: 'scim-gateway',
      env: { ...common, ...nodeOptions, ...opts.gatewayEnv, ADMIN_API_TOKEN: adminToken },
      startTimeoutMs: 120_000,
    });
    const worker = opts.worker
      ? await startAppProcess({ app: 'sync-worker', env: { ...common, WORKER_GROUP_ID: `${prefix}-worker` }, startTimeoutMs: 120_000 })
      : undefined;
    log(`scim-gateway pid ${gateway.pid} at ${gateway.url}${worker ? `, sync-worker pid ${worker.pid}` : ''}, database ${new URL(dbUrl).pathname.slice(1)}, topic prefix ${prefix}`);
    const admin = async (p: string, body: unknown) => {
      const res = await fetch(`${gateway.url}/admin${p}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (res.status >= 300) throw new Error(`admin ${p}: ${res.status} ${await res.text()}`);
      return (await res.json()) as Record<string, string>;
    };
    const tenant = await admin('/tenants', { name: prefix });
    const token = await admin(`/tenants/${tenant.id}/tokens`, { description: `bench ${opts.name}` });
    const broker = kafka;
    return {
      dbUrl,
      brokers: kafka.brokers,
      prefix,
      gateway,
      worker,
      tenantId: tenant.id,
      token: token.token,
      startProfiling: () => {
        if (profileDir && gateway.pid !== undefined) process.kill(gateway.pid, 'SIGWINCH');
      },
      stop: async () => {
        await stopAllAppProcesses();
        await broker.stop();
        if (!profileDir) return undefined;
        const fresh = fs.readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile') && !profilesBefore.has(f));
        // The gateway is the process started with NODE_OPTIONS; its profile is the largest new one.
        return fresh.map((f) => path.join(profileDir, f)).sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0];
      },
    };
  } catch (err) {
    await stopAllAppProcesses();
    await kafka?.stop();
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// CPU profile summary

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface ProfileFrame {
  frame: string;
  selfMs: number;
  selfPct: number;
}

/** Where a frame's code lives: a package (node_modules/<pkg>), our source path, or node's internals. */
function location(url: string): string {
  if (!url) return '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return url;
  const rel = url.replace(/^file:\/\//, '');
  return rel.startsWith(ROOT) ? path.relative(ROOT, rel) : rel;
}

/** Top self-time frames of a .cpuprofile, by function and by package. */
export function summarizeCpuProfile(file: string, top = 20): { totalMs: number; idlePct: number; frames: ProfileFrame[]; packages: ProfileFrame[] } {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = Math.max(0, profile.timeDeltas[i] ?? 0) / 1000;
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });
  const frames = new Map<string, number>();
  const packages = new Map<string, number>();
  let idle = 0;
  for (const [id, t] of self) {
    const cf = byId.get(id)?.callFrame;
    if (!cf) continue;
    const name = cf.functionName || '(anonymous)';
    if (name === '(idle)') idle += t;
    const where = location(cf.url);
    const key = cf.url ? `${name} ${where}:${cf.lineNumber + 1}` : name;
    frames.set(key, (frames.get(key) ?? 0) + t);
    const pkg = ['(idle)', '(garbage collector)', '(program)'].includes(name) ? name : where;
    packages.set(pkg, (packages.get(pkg) ?? 0) + t);
  }
  const busy = total - idle;
  const list = (m: Map<string, number>) =>
    [...m]
      .filter(([k]) => k !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([frame, ms]) => ({ frame, selfMs: Math.round(ms), selfPct: round2((100 * ms) / Math.max(1, busy)) }));
  return { totalMs: Math.round(total), idlePct: round2((100 * idle) / Math.max(1, total)), frames: list(frames), packages: list(packages) };
}

export function printProfile(summary: ReturnType<typeof summarizeCpuProfile>): void {
  const lines = [`\ngateway CPU profile: ${summary.totalMs} ms sampled, ${summary.idlePct}% idle; top self time (% of busy time):`];
  for (const f of summary.frames) lines.push(`  ${String(f.selfPct).padStart(6)}%  ${f.frame}`);
  lines.push('by package / file:');
  for (const f of summary.packages) lines.push(`  ${String(f.selfPct).padStart(6)}%  ${f.frame}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** JSON with short objects and arrays kept on one line (results files stay small and readable). */
export function formatJson(value: unknown, indent = ''): string {
  const flat = JSON.stringify(value);
  if (value === null || typeof value !== 'object' || flat.length + indent.length <= 110) return flat;
  const next = `${indent}  `;
  if (Array.isArray(value)) return `[\n${value.map((v) => next + formatJson(v, next)).join(',\n')}\n${indent}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `{\n${entries.map(([k, v]) => `${next}${JSON.stringify(k)}: ${formatJson(v, next)}`).join(',\n')}\n${indent}}`;
}

export function writeResults(file: string, report: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${formatJson(report)}\n`);
  log(`results written to ${path.relative(ROOT, file)}`);
}

export const shellQuote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);
