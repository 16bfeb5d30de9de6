#!/usr/bin/env node
// `npm test`: every test (unit specs next to the code, integration/e2e under test/) on Node's
// test runner, against a real Kafka broker (started here unless KAFKA_BROKERS is set) and the
// local PostgreSQL (DATABASE_URL's server; each test creates and drops its own database).
//   npm test                      all tests
//   npm test -- test/foo.e2e-spec.ts libs/identity   only those files / folders
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startKafka, stopKafka } from './kafka.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TEST_FILE = /\.(spec|e2e-spec)\.ts$/;

function collect(target, out) {
  const stat = fs.statSync(target);
  if (stat.isFile()) {
    if (TEST_FILE.test(target)) out.push(target);
    return out;
  }
  for (const entry of fs.readdirSync(target, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    collect(path.join(target, entry.name), out);
  }
  return out;
}

async function checkPostgres(url) {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    throw new Error(`PostgreSQL is not reachable at ${url.replace(/:[^:@/]*@/, ':***@')}: ${err.message}`, { cause: err });
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function main() {
  const args = process.argv.slice(2);
  const targets = args.length ? args : ['libs', 'apps', 'test'];
  const files = targets.flatMap((t) => collect(path.resolve(ROOT, t), [])).sort();
  if (files.length === 0) throw new Error(`no test files under ${targets.join(', ')}`);

  process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
  await checkPostgres(process.env.DATABASE_URL);

  let kafkaDir;
  if (!process.env.KAFKA_BROKERS) {
    kafkaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'idsync-test-kafka-'));
    const started = Date.now();
    const kafka = await startKafka({ dir: kafkaDir });
    process.env.KAFKA_BROKERS = kafka.brokers;
    process.stderr.write(`[test] Kafka ${kafka.brokers} ready in ${Date.now() - started} ms\n`);
  }
  const stop = async () => {
    if (kafkaDir) {
      await stopKafka({ dir: kafkaDir });
      fs.rmSync(kafkaDir, { recursive: true, force: true });
      kafkaDir = undefined;
    }
  };
  process.on('SIGINT', () => void stop().then(() => process.exit(130)));
  process.on('SIGTERM', () => void stop().then(() => process.exit(143)));

  const child = spawn(
    process.execPath,
    ['--test', '--test-concurrency=2', '-r', path.join(ROOT, 'scripts', 'register.cjs'), ...files],
    { stdio: 'inherit', cwd: ROOT, env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent', NODE_ENV: 'test' } },
  );
  const code = await new Promise((resolve) => child.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0))));
  await stop();
  process.exit(code);
}

main().catch((err) => {
  process.stderr.write(`[test] ${err.message}\n`);
  process.exit(1);
});
