#!/usr/bin/env node
// Local single-node Apache Kafka (KRaft) from Apache's own artifacts on Maven Central, run on the JDK.
// No Docker and no mock: `npm start`, `npm test` and CI all use this real broker.
//
//   node scripts/kafka.mjs start [--port 19092] [--dir .cache/kafka/dev]   start in the background, wait until ready
//   node scripts/kafka.mjs stop  [--dir …]                                 stop the broker started in that dir (by PID)
//   node scripts/kafka.mjs run   [--port …] [--dir …]                      foreground; Ctrl-C stops it
//
// If KAFKA_BROKERS is set, nothing is started: that cluster is used instead.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const POM = path.join(ROOT, 'scripts', 'kafka', 'pom.xml');
export const KAFKA_VERSION = fs.readFileSync(POM, 'utf8').match(/<kafka\.version>([^<]+)</)[1];
const LIBS = path.join(ROOT, '.cache', 'kafka', KAFKA_VERSION, 'libs');

const log = (msg) => process.stderr.write(`[kafka] ${msg}\n`);

/** Fetches the broker's jars with Maven into a gitignored cache, once per pinned version. */
export function ensureKafkaLibs() {
  const marker = path.join(LIBS, '.complete');
  if (fs.existsSync(marker)) return LIBS;
  log(`fetching org.apache.kafka:kafka_2.13:${KAFKA_VERSION} and its runtime dependencies with Maven…`);
  fs.mkdirSync(LIBS, { recursive: true });
  const mvn = spawnSync(
    'mvn',
    ['-q', '-B', '-Dstyle.color=never', '--no-transfer-progress', '-f', POM, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${LIBS}`],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (mvn.status !== 0) throw new Error(`Maven could not fetch Kafka ${KAFKA_VERSION} (exit ${mvn.status})`);
  fs.writeFileSync(marker, new Date().toISOString());
  return LIBS;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function canConnect(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

export function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until the broker answers a metadata request (a listening socket alone is not enough). */
async function waitReady(port, pid, timeoutMs) {
  const { Kafka, logLevel } = await import('kafkajs');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (pid && !isAlive(pid)) throw new Error('Kafka exited during start-up (see its log)');
    if (await canConnect(port)) {
      const admin = new Kafka({ brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
      try {
        await admin.connect();
        await admin.describeCluster();
        await admin.disconnect();
        return;
      } catch {
        await admin.disconnect().catch(() => undefined);
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Kafka did not become ready on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

function writeConfig(dir, port, controllerPort) {
  const props = [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${path.join(dir, 'data')}`,
    'num.partitions=3',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=6',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=true',
    'log.cleaner.enable=true',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'server.properties'), props + '\n');
  fs.writeFileSync(
    path.join(dir, 'log4j.properties'),
    [
      'log4j.rootLogger=WARN, file',
      'log4j.logger.kafka=WARN',
      'log4j.logger.org.apache.kafka=WARN',
      'log4j.appender.file=org.apache.log4j.FileAppender',
      `log4j.appender.file.File=${path.join(dir, 'kafka.log')}`,
      'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
    ].join('\n') + '\n',
  );
}

function javaArgs(libs, dir, mainClass, args) {
  return [
    '-Xms256m',
    '-Xmx768m',
    '-XX:+UseG1GC',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${path.join(dir, 'log4j.properties')}`,
    '-cp',
    `${libs}/*`,
    mainClass,
    ...args,
  ];
}

/**
 * Starts a broker whose state lives in `dir` (formatted on first use, kept across restarts so a
 * stop/start keeps topics and offsets). Resolves once it serves metadata.
 */
export async function startKafka({ dir, port, controllerPort, detached = true, timeoutMs = 90_000 } = {}) {
  dir = path.resolve(dir ?? path.join(ROOT, '.cache', 'kafka', 'dev'));
  fs.mkdirSync(dir, { recursive: true });
  const state = readState(dir);
  port = port ?? state?.port ?? (await freePort());
  controllerPort = controllerPort ?? state?.controllerPort ?? (await freePort());
  if (state?.pid && isAlive(state.pid)) {
    await waitReady(state.port, state.pid, timeoutMs);
    return { brokers: `127.0.0.1:${state.port}`, pid: state.pid, dir, port: state.port, alreadyRunning: true };
  }
  // Something else answering on our port would look "ready" while our broker fails to bind.
  for (const p of [port, controllerPort]) {
    if (await canConnect(p)) throw new Error(`127.0.0.1:${p} is already in use by another process; choose another --port`);
  }
  const libs = ensureKafkaLibs();
  writeConfig(dir, port, controllerPort);
  if (!fs.existsSync(path.join(dir, 'data', 'meta.properties'))) {
    const clusterId = randomBytes(16).toString('base64url');
    // `--cluster-id=<id>`, not `-t <id>`: a base64url id starting with '-' would parse as an option (1 run in 64).
    const fmt = spawnSync(
      'java',
      javaArgs(libs, dir, 'kafka.tools.StorageTool', ['format', `--cluster-id=${clusterId}`, '-c', path.join(dir, 'server.properties')]),
      { encoding: 'utf8' },
    );
    if (fmt.status !== 0) throw new Error(`kafka storage format failed: ${fmt.stderr || fmt.stdout}`);
  }
  const out = fs.openSync(path.join(dir, 'kafka.out'), 'a');
  const child = spawn('java', javaArgs(libs, dir, 'kafka.Kafka', [path.join(dir, 'server.properties')]), {
    detached,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  if (detached) child.unref();
  fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ pid: child.pid, port, controllerPort }));
  try {
    await waitReady(port, child.pid, timeoutMs);
  } catch (err) {
    await stopKafka({ dir });
    throw err;
  }
  return { brokers: `127.0.0.1:${port}`, pid: child.pid, dir, port, controllerPort, child };
}

/** The state file of the broker in `dir` ({ pid, port, controllerPort }), if any. */
export function readState(dir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Stops the broker started in `dir`, by its PID: SIGTERM (clean shutdown), SIGKILL after a grace period. */
export async function stopKafka({ dir, graceMs = 20_000 } = {}) {
  dir = path.resolve(dir ?? path.join(ROOT, '.cache', 'kafka', 'dev'));
  const state = readState(dir);
  if (!state?.pid || !isAlive(state.pid)) return false;
  process.kill(state.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(state.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(state.pid)) process.kill(state.pid, 'SIGKILL');
  while (isAlive(state.pid)) await new Promise((r) => setTimeout(r, 50));
  fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ ...state, pid: undefined }));
  return true;
}

function parseArgs(argv) {
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--port') opts.port = Number(argv[++i]);
    else if (argv[i] === '--dir') opts.dir = argv[++i];
  }
  return opts;
}

// No top-level await: tests load this module with require(esm), which forbids it.
async function main() {
  const [cmd = 'run', ...rest] = process.argv.slice(2);
  const opts = parseArgs(rest);
  if (process.env.KAFKA_BROKERS) {
    log(`KAFKA_BROKERS=${process.env.KAFKA_BROKERS} is set: using that cluster, starting nothing`);
    process.exit(0);
  }
  try {
    if (cmd === 'start') {
      const k = await startKafka({ ...opts, port: opts.port ?? 19092 });
      log(`ready at ${k.brokers} (pid ${k.pid}, dir ${k.dir})`);
      process.stdout.write(`${k.brokers}\n`);
    } else if (cmd === 'stop') {
      log((await stopKafka(opts)) ? 'stopped' : 'was not running');
    } else if (cmd === 'fetch') {
      log(`jars in ${ensureKafkaLibs()}`);
    } else if (cmd === 'run') {
      const k = await startKafka({ ...opts, port: opts.port ?? 19092, detached: false });
      log(`ready at ${k.brokers} (pid ${k.pid}); Ctrl-C stops it`);
      const stop = async () => {
        await stopKafka({ dir: k.dir });
        process.exit(0);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    } else {
      log(`unknown command ${cmd}: use start | stop | run | fetch`);
      process.exit(2);
    }
  } catch (err) {
    log(String(err?.message ?? err));
    process.exit(1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) void main();
