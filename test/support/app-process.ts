// Multi-process test harness: runs idsync apps as real child processes (`node -r
// scripts/register.cjs apps/<app>/src/main.ts`), the way they run in production, so tests can
// SIGKILL/SIGTERM them, restart them and run several replicas against one database.
// Only PIDs started here are ever signalled; stopAllAppProcesses() (call it from `after`) and a
// process 'exit' hook make sure none outlive the test file.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export type IdsyncAppName = 'scim-gateway' | 'sync-worker' | 'webhook-delivery';

export interface AppProcessOptions {
  app: IdsyncAppName;
  /** App environment: DATABASE_URL, KAFKA_BROKERS, KAFKA_TOPIC_PREFIX, group ids, … (PORT/HOST are set here). */
  env: Record<string, string>;
  /** Label in diagnostics (defaults to the app name). */
  name?: string;
  /** Wait for /health/ready as well as /health/live (false when a dependency is meant to be down). */
  waitReady?: boolean;
  startTimeoutMs?: number;
  /** Also append everything the process writes to this file (long runs such as `npm run chaos` keep whole logs). */
  logFile?: string;
  /** A compiled main.js to run instead of the TypeScript entry through register.cjs (test/chaos/prebuilt-apps.ts). */
  script?: string;
}

const ROOT = path.resolve(__dirname, '..', '..');
const STDERR_LIMIT = 64 * 1024;
const live = new Set<AppProcess>();

async function freePort(): Promise<number> {
  // scripts/kafka.mjs is ESM; loaded lazily like the e2e specs do (require(esm) in tests).
  const kafka = (await import('../../scripts/kafka.mjs')) as typeof import('../../scripts/kafka.mjs');
  return kafka.freePort();
}

function isRunning(child: ChildProcess | undefined): child is ChildProcess {
  return !!child && child.exitCode === null && child.signalCode === null;
}

/** One app as a child process; the port stays the same across restart() so clients keep their URL. */
export class AppProcess {
  readonly name: string;
  private child: ChildProcess | undefined;
  private port = 0;
  private stderrText = '';
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly opts: AppProcessOptions) {
    this.name = opts.name ?? opts.app;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return isRunning(this.child);
  }

  /** Everything the process wrote to stdout and stderr (the last 64 KiB), for assertion messages. */
  stderr(): string {
    return this.stderrText;
  }

  async start(): Promise<this> {
    if (this.running) throw new Error(`${this.name} is already running (pid ${this.pid})`);
    this.port ||= await freePort();
    const args = this.opts.script ? [this.opts.script] : ['-r', path.join(ROOT, 'scripts', 'register.cjs'), path.join(ROOT, 'apps', this.opts.app, 'src', 'main.ts')];
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn', ...this.opts.env, HOST: '127.0.0.1', PORT: String(this.port) },
    });
    this.child = child;
    live.add(this);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    // pino logs (LOG_LEVEL=warn) go to stdout, crashes to stderr: both are kept for diagnostics.
    const logFile = this.opts.logFile;
    const keep = (chunk: Buffer) => {
      this.stderrText = (this.stderrText + chunk.toString('utf8')).slice(-STDERR_LIMIT);
      if (logFile) fs.appendFileSync(logFile, chunk);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    await this.waitHealthy(this.opts.waitReady ?? true, this.opts.startTimeoutMs ?? 60_000);
    return this;
  }

  /** Polls /health/live, then (unless told not to) /health/ready; fails early if the process exits. */
  async waitHealthy(ready = true, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const probe of ready ? ['live', 'ready'] : ['live']) {
      for (;;) {
        if (!this.running) throw new Error(`${this.name} exited during start-up (code ${this.child?.exitCode}, signal ${this.child?.signalCode}):\n${this.stderrText}`);
        const status = await fetch(`${this.url}/health/${probe}`, { signal: AbortSignal.timeout(2_000) }).then(
          (r) => r.status,
          () => 0,
        );
        if (status === 200) break;
        if (Date.now() > deadline) throw new Error(`${this.name} not ${probe} within ${timeoutMs} ms (last status ${status}):\n${this.stderrText}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** Sends `signal` to this process's PID and waits for it to exit (SIGKILL after `graceMs` for other signals). */
  async kill(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<void> {
    const child = this.child;
    if (!isRunning(child) || child.pid === undefined) return;
    process.kill(child.pid, signal);
    if (signal !== 'SIGKILL') {
      const timer = setTimeout(() => isRunning(child) && child.pid !== undefined && process.kill(child.pid, 'SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    await this.exited;
    live.delete(this);
  }

  /** Stops (SIGTERM, or the given signal) and starts again on the same port. */
  async restart(signal: NodeJS.Signals = 'SIGTERM'): Promise<this> {
    await this.kill(signal);
    return this.start();
  }
}

/** Starts an app process and waits until it is healthy. */
export function startAppProcess(opts: AppProcessOptions): Promise<AppProcess> {
  return new AppProcess(opts).start();
}

/** Stops every process this harness started that is still running (SIGTERM, SIGKILL after the grace period). */
export async function stopAllAppProcesses(graceMs = 15_000): Promise<void> {
  await Promise.all([...live].map((p) => p.kill('SIGTERM', graceMs)));
}

// A crashed test file must not leave apps behind: kill our own children (only those) on exit.
process.once('exit', () => {
  for (const p of live) if (p.running && p.pid !== undefined) process.kill(p.pid, 'SIGKILL');
});
