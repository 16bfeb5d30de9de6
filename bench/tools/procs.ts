// Child-app helpers for the benches: the environment that CPU-profiles them (`--profile DIR`), and an
// RSS sampler reading /proc/<pid>/status once a second (Linux; elsewhere it records nothing).
import fs from 'node:fs';
import path from 'node:path';

const PRELOAD = path.join(__dirname, 'cpu-profile.cjs');
const ROOT = path.resolve(__dirname, '..', '..');

/** The built bundle of an app (`npm run build`) when `built`, for AppProcessOptions.script; else undefined (sources through swc). */
export function builtApp(built: boolean, app: string): string | undefined {
  if (!built) return undefined;
  const file = path.join(ROOT, 'dist', 'apps', app, 'main.js');
  if (!fs.existsSync(file)) throw new Error(`${path.relative(ROOT, file)} is missing: run npm run build first (npm run bench does)`);
  return file;
}

/**
 * The NODE_OPTIONS the Dockerfile ships the apps with (heap cap, source maps), so benches measure
 * the deployed configuration. Read from the Dockerfile itself: the two cannot drift apart.
 */
export function shippedNodeOptions(): string {
  const m = /\bNODE_OPTIONS=(?:"([^"]*)"|(\S+))/.exec(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
  if (!m) throw new Error('the Dockerfile sets no NODE_OPTIONS: the benches start the apps with the shipped options');
  return m[1] ?? m[2];
}

/**
 * Env of a child app: NODE_OPTIONS are the Dockerfile's (shippedNodeOptions), then the bench's own
 * NODE_OPTIONS, then BENCH_APP_NODE_OPTIONS (e.g. `--max-old-space-size=512`: for a repeated flag
 * the last one wins). With `dir`, the app writes `<dir>/<label>-<pid>.cpuprofile` when it is
 * stopped (SIGTERM).
 */
export function profileEnv(dir: string | undefined, label: string): Record<string, string> {
  const options = [shippedNodeOptions(), process.env.NODE_OPTIONS, process.env.BENCH_APP_NODE_OPTIONS, dir ? `--require ${PRELOAD}` : undefined].filter(Boolean).join(' ');
  return {
    ...(options ? { NODE_OPTIONS: options } : {}),
    ...(dir ? { BENCH_PROFILE_DIR: path.resolve(dir), BENCH_PROFILE_LABEL: label } : {}),
  };
}

function rssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : undefined;
  } catch {
    return undefined;
  }
}

export interface RssSummary {
  /** MB; the largest sample. */
  maxMb: number;
  /** MB; the median of the samples taken between `steadyFrom` and `steadyTo` (the load window after its first quarter). */
  steadyMb: number;
  samples: number;
}

/** Samples the RSS of named processes every second. */
export class RssSampler {
  private readonly series = new Map<string, Array<{ t: number; mb: number }>>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pids: Array<{ name: string; pid: number | undefined }>) {
    this.timer = setInterval(() => this.sample(), 1_000);
    this.timer.unref();
    this.sample();
  }

  private sample(): void {
    const t = performance.now();
    for (const { name, pid } of this.pids) {
      if (pid === undefined) continue;
      const mb = rssMb(pid);
      if (mb === undefined) continue;
      const s = this.series.get(name) ?? [];
      s.push({ t, mb });
      this.series.set(name, s);
    }
  }

  /** Stops sampling; steady = median over [steadyFrom, steadyTo] (performance.now times). */
  stop(steadyFrom: number, steadyTo: number): Record<string, RssSummary> {
    clearInterval(this.timer);
    const out: Record<string, RssSummary> = {};
    for (const [name, s] of this.series) {
      const window = s.filter((x) => x.t >= steadyFrom && x.t <= steadyTo).map((x) => x.mb).sort((a, b) => a - b);
      const steady = window.length ? window[Math.floor(window.length / 2)] : NaN;
      out[name] = { maxMb: Math.max(...s.map((x) => x.mb)), steadyMb: steady, samples: s.length };
    }
    return out;
  }
}

/** V8 heap figures of an app from its Prometheus /metrics (MB), to tell heap from the rest of its RSS. */
export async function heapStats(baseUrl: string): Promise<Record<string, number> | undefined> {
  try {
    const text = await (await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
    const metric = (name: string) => {
      const m = new RegExp(`^idsync_${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text);
      return m ? Math.round(Number(m[1]) / 104857.6) / 10 : NaN;
    };
    return { heapUsedMb: metric('nodejs_heap_size_used_bytes'), heapTotalMb: metric('nodejs_heap_size_total_bytes'), externalMb: metric('nodejs_external_memory_bytes') };
  } catch {
    return undefined;
  }
}
