import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';

// The start-up contract of every main.ts (runIdsyncApp): an invalid setting stops the process
// before it binds a port, with exit code 1 and a message naming the setting — not a stack trace.
const ROOT = path.resolve(__dirname, '..');

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runMain(app: string, env: Record<string, string>, timeoutMs = 60_000): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', './scripts/register.cjs', `apps/${app}/src/main.ts`], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${app} did not exit within ${timeoutMs} ms (it should fail fast on bad config)\n${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('app start-up with invalid configuration', () => {
  it('sync-worker with PORT=abc exits 1 with a clear message naming PORT', async () => {
    const res = await runMain('sync-worker', { PORT: 'abc' });
    assert.equal(res.code, 1, `exit code (signal ${res.signal})\n${res.stderr}`);
    assert.match(res.stderr, /^sync-worker failed to start: Invalid configuration:/m, res.stderr);
    assert.match(res.stderr, /^ {2}- PORT must be a number \(got "abc"\)$/m, res.stderr);
    assert.doesNotMatch(res.stderr, /^\s+at /m, `no stack trace expected:\n${res.stderr}`);
  });

  it('lists every invalid setting at once (webhook-delivery)', async () => {
    const res = await runMain('webhook-delivery', { PORT: 'abc', DATABASE_URL: 'mysql://x', KAFKA_BROKERS: 'nope' });
    assert.equal(res.code, 1, `exit code (signal ${res.signal})\n${res.stderr}`);
    assert.match(res.stderr, /^webhook-delivery failed to start: Invalid configuration:/m, res.stderr);
    for (const key of ['PORT', 'DATABASE_URL', 'KAFKA_BROKERS']) {
      assert.match(res.stderr, new RegExp(`^ {2}- ${key} `, 'm'), res.stderr);
    }
    assert.doesNotMatch(res.stderr, /^\s+at /m, `no stack trace expected:\n${res.stderr}`);
  });

  it('scim-gateway fails the same way', async () => {
    const res = await runMain('scim-gateway', { PORT: '70000' });
    assert.equal(res.code, 1, `exit code (signal ${res.signal})\n${res.stderr}`);
    assert.match(res.stderr, /^scim-gateway failed to start: Invalid configuration:/m, res.stderr);
    assert.match(res.stderr, /^ {2}- PORT must not be greater than 65535$/m, res.stderr);
  });
});
