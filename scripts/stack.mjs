#!/usr/bin/env node
// `npm start`: the whole stack on this machine, one command.
//
//   1. Kafka: a local single-node KRaft broker via scripts/kafka.mjs (state in .cache/kafka/dev,
//      port 19092) — unless KAFKA_BROKERS is set, then that cluster is used and nothing is started.
//   2. PostgreSQL: creates the database in DATABASE_URL if missing and applies migrations
//      (scripts/migrate.ts, the same code as `npm run migrate`). PostgreSQL itself must be running.
//   3. The three apps, from the production build in dist/ (`npm run build`, re-run here when dist is
//      missing or older than any source/config file). Choice: the build takes ~2 s, a built app
//      starts faster than one transpiled on the fly, and `npm start` then runs exactly what the
//      Docker image runs — so build-then-run is both fast and the more faithful option.
//   4. Waits until every app's GET /health/ready answers 200, prints where each listens, and
//      forwards their logs prefixed with the app's name.
//
// Ctrl-C / SIGTERM (to this process, or to npm when run as `npm start`) stops everything this
// script started, by PID: the apps first (SIGTERM, so they drain HTTP and Kafka consumers; SIGKILL
// after a grace period), then Kafka. A second Ctrl-C skips the grace period. If an app exits on its own (at start-up or later) the rest is stopped and the
// script exits non-zero.
//
// Environment: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/idsync), KAFKA_BROKERS,
// SCIM_GATEWAY_PORT / SYNC_WORKER_PORT / WEBHOOK_DELIVERY_PORT (3000 / 3001 / 3002),
// STACK_READY_TIMEOUT_MS (default 90000); everything else is passed through to the apps.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { canConnect as portInUse, freePort, isAlive, readState, startKafka, stopKafka } from './kafka.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/idsync';
const KAFKA_PORT = 19092;
const READY_TIMEOUT_MS = Number(process.env.STACK_READY_TIMEOUT_MS ?? 90_000);
const APP_GRACE_MS = Number(process.env.SHUTDOWN_GRACE_MS ?? 10_000) + 5_000;

const APPS = [
  { name: 'scim-gateway', portEnv: 'SCIM_GATEWAY_PORT', defaultPort: 3000, color: 36 },
  { name: 'sync-worker', portEnv: 'SYNC_WORKER_PORT', defaultPort: 3001, color: 35 },
  { name: 'webhook-delivery', portEnv: 'WEBHOOK_DELIVERY_PORT', defaultPort: 3002, color: 33 },
];
const WIDTH = Math.max(...APPS.map((a) => a.name.length), 'stack'.length);
const TTY = process.stdout.isTTY;
const paint = (color, text) => (TTY ? `\x1b[${color}m${text}\x1b[0m` : text);
const prefix = (name, color) => paint(color, `${name.padEnd(WIDTH)} |`);
const log = (msg) => process.stdout.write(`${prefix('stack', 32)} ${msg}\n`);
const redact = (url) => url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;

/** What this script started and must stop: app children, and the broker if it was not already running. */
const state = { kafkaDir: undefined, kafkaPid: undefined, kafkaStarting: undefined, tasks: new Set(), apps: [], stopping: false, forced: false };

/** Runs a child to completion with prefixed output; rejects on a non-zero exit. */
function run(label, command, args, env = process.env, skip = /^\s*$/) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    state.tasks.add(child);
    child.once('exit', () => state.tasks.delete(child));
    pipeLines(child, label, 32, skip);
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${label} failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

function pipeLines(child, name, color, skip) {
  for (const stream of [child.stdout, child.stderr]) {
    const out = stream === child.stderr ? process.stderr : process.stdout;
    readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      if (skip?.test(line)) return;
      out.write(`${prefix(name, color)} ${line}\n`);
    });
  }
}

// ---- build ---------------------------------------------------------------------------------

const BUILD_INPUTS = ['apps', 'libs', 'tsconfig.json', 'nest-cli.json', 'webpack.config.cjs', 'package-lock.json'];

function newestSourceMtime(target) {
  let stat;
  try {
    stat = fs.statSync(target);
  } catch {
    return 0;
  }
  if (stat.isFile()) return /\.(spec|e2e-spec)\.ts$/.test(target) ? 0 : stat.mtimeMs;
  let newest = 0;
  for (const entry of fs.readdirSync(target, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    newest = Math.max(newest, newestSourceMtime(path.join(target, entry.name)));
  }
  return newest;
}

function staleApps() {
  const sources = Math.max(...BUILD_INPUTS.map((p) => newestSourceMtime(path.join(ROOT, p))));
  return APPS.filter((app) => {
    try {
      return fs.statSync(path.join(ROOT, 'dist', 'apps', app.name, 'main.js')).mtimeMs < sources;
    } catch {
      return true;
    }
  });
}

// ---- apps ----------------------------------------------------------------------------------

function startApp(app, env) {
  const child = spawn(process.execPath, ['--enable-source-maps', path.join('dist', 'apps', app.name, 'main.js')], {
    cwd: ROOT,
    env: { ...env, PORT: String(app.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: a terminal Ctrl-C reaches only this script, which then sends exactly one
    // SIGTERM per app (a second signal would cut Nest's graceful shutdown short).
    detached: true,
  });
  const entry = { ...app, child, pid: child.pid, exited: false, ready: false };
  entry.exit = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      entry.exited = true;
      resolve({ code, signal });
    }),
  );
  child.once('error', (err) => log(`${app.name}: ${err.message}`));
  pipeLines(child, app.name, app.color);
  state.apps.push(entry);
  return entry;
}

async function waitReady(entry) {
  const url = `http://127.0.0.1:${entry.port}/health/ready`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (entry.exited || state.stopping) throw new Error(`${entry.name} exited before it was ready`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`;
    } catch (err) {
      last = err.cause?.code ?? err.message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${entry.name} was not ready within ${READY_TIMEOUT_MS} ms (last: ${last})`);
}

async function stopApps() {
  const running = state.apps.filter((a) => !a.exited);
  for (const app of running) {
    log(`stopping ${app.name} (pid ${app.pid})`);
    try {
      process.kill(app.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
  await Promise.all(
    running.map(async (app) => {
      const deadline = Date.now() + APP_GRACE_MS;
      while (!app.exited && isAlive(app.pid) && !state.forced && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      if (!app.exited && isAlive(app.pid)) {
        log(`${app.name} (pid ${app.pid}) did not stop in time: SIGKILL`);
        try {
          process.kill(app.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
        await app.exit;
      }
    }),
  );
}

let shutdownPromise;
function shutdown(code, reason) {
  if (!shutdownPromise) {
    state.stopping = true;
    if (reason) log(reason);
    shutdownPromise = (async () => {
      for (const task of state.tasks) task.kill('SIGTERM');
      await stopApps();
      // A broker still starting is waited for, so that it is stopped too rather than orphaned.
      await state.kafkaStarting?.catch(() => undefined);
      if (state.kafkaDir) {
        log('stopping Kafka');
        await stopKafka({ dir: state.kafkaDir });
        state.kafkaDir = undefined;
      }
      log(`stopped (${elapsed()})`);
      process.exit(code);
    })();
  }
  return shutdownPromise;
}

for (const [signal, code] of [
  ['SIGINT', 0],
  ['SIGTERM', 0],
  ['SIGHUP', 0],
]) {
  process.on(signal, () => {
    if (state.stopping) {
      state.forced = true;
      log(`${signal} again: killing the apps without waiting`);
      return;
    }
    void shutdown(code, `${signal}: shutting down`);
  });
}

// `npm start` stopped with a signal to npm's PID (SIGTERM from a supervisor or `kill`): npm exits
// without passing it on, which would orphan this script and everything it started. Watch for the
// parent going away and shut down as if signalled. (Ctrl-C in a terminal reaches this process
// directly: it is in npm's foreground process group.)
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid && !state.stopping) void shutdown(0, `parent process ${parentPid} exited: shutting down`);
}, 500).unref();
// Output may go to a pipe whose reader (npm) is gone; losing log lines must not crash the shutdown.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

// ---- main ----------------------------------------------------------------------------------

async function main() {
  const env = { ...process.env, DATABASE_URL: process.env.DATABASE_URL || DEFAULT_DATABASE_URL };
  for (const app of APPS) {
    const raw = process.env[app.portEnv];
    app.port = raw ? Number(raw) : app.defaultPort;
    if (!Number.isInteger(app.port) || app.port <= 0 || app.port > 65535) {
      throw new Error(`${app.portEnv}=${raw} is not a valid port`);
    }
  }
  const busy = [];
  for (const app of APPS) if (await portInUse(app.port)) busy.push(`${app.port} (${app.name}, ${app.portEnv})`);
  if (busy.length) throw new Error(`port already in use: ${busy.join(', ')}`);

  // Kafka and the build are independent: overlap them.
  const kafka = (async () => {
    if (process.env.KAFKA_BROKERS) {
      log(`KAFKA_BROKERS=${process.env.KAFKA_BROKERS}: using that cluster`);
      return;
    }
    // Another broker (or anything else) on 19092 that is not ours: startKafka would see that one
    // answer while ours fails to bind, so pick a free port instead of silently sharing it.
    let port = KAFKA_PORT;
    const own = readState(path.join(ROOT, '.cache', 'kafka', 'dev'));
    if (!(own?.pid && isAlive(own.pid)) && (await portInUse(port))) {
      port = await freePort();
      log(`port ${KAFKA_PORT} is taken by a process this script did not start: Kafka will listen on ${port}`);
    }
    state.kafkaStarting = startKafka({ port });
    const k = await state.kafkaStarting;
    if (k.alreadyRunning) {
      log(`Kafka already running at ${k.brokers} (pid ${k.pid}, not started by this script: left running on exit)`);
    } else {
      state.kafkaDir = k.dir;
      state.kafkaPid = k.pid;
      log(`Kafka ready at ${k.brokers} (pid ${k.pid}, ${elapsed()})`);
    }
    env.KAFKA_BROKERS = k.brokers;
  })();
  const build = (async () => {
    const stale = staleApps();
    if (stale.length === 0) {
      log('dist/ is up to date');
      return;
    }
    log(`building (${stale.map((a) => a.name).join(', ')} missing or stale)`);
    const nest = path.join(ROOT, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js');
    // (Nest's "webpack compiler is deprecated" notice is dropped: it repeats once per app.)
    await run('build', process.execPath, [nest, 'build', ...APPS.map((a) => a.name)], process.env, /^\s*$|webpack compiler is deprecated/);
    log(`built (${elapsed()})`);
  })();
  const migrate = run('migrate', process.execPath, ['-r', './scripts/register.cjs', 'scripts/migrate.ts'], env);
  const results = await Promise.allSettled([kafka, build, migrate]);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  if (state.stopping) return;

  for (const app of APPS) startApp(app, env);
  // An app that dies after start-up takes the stack down too (with a non-zero exit).
  for (const app of state.apps) {
    void app.exit.then(({ code, signal }) => {
      if (!state.stopping) void shutdown(1, `${app.name} exited (${signal ?? `code ${code}`}): stopping the rest`);
    });
  }
  await Promise.all(state.apps.map((a) => waitReady(a)));
  if (state.stopping) return;

  const rows = [
    ['service', 'pid', 'url', 'readiness'],
    ...state.apps.map((a) => [a.name, String(a.pid), `http://localhost:${a.port}`, `http://localhost:${a.port}/health/ready`]),
    ['kafka', state.kafkaPid ? String(state.kafkaPid) : 'external', env.KAFKA_BROKERS, state.kafkaDir ? path.relative(ROOT, state.kafkaDir) : ''],
    ['postgres', '', redact(env.DATABASE_URL), ''],
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  log(`all apps ready in ${elapsed()} — Ctrl-C stops everything`);
  for (const [i, r] of rows.entries()) {
    log(line(r));
    if (i === 0) log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

main().catch((err) => {
  void shutdown(1, `failed: ${err?.message ?? err}`);
});
