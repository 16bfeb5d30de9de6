import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

// Runs the real `idsync` bin (scripts/idsync.cjs → apps/cli) as a child process, the way an
// operator or a script does: exit code, stdout and stderr are what the tests assert on.

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'scripts', 'idsync.cjs');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process exits (killed with SIGKILL after timeoutMs). */
  done: Promise<CliRun>;
}

/** Starts `idsync <args>`; env is added to this process's environment. */
export function startIdsync(args: string[], env: Record<string, string> = {}, timeoutMs = 180_000): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<CliRun>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

/** Runs `idsync <args>` to completion. */
export function runIdsync(args: string[], env: Record<string, string> = {}, timeoutMs = 180_000): Promise<CliRun> {
  return startIdsync(args, env, timeoutMs).done;
}

/** The one JSON document a `--json` run printed; fails with stderr when the exit code is not `code`. */
export function jsonOf<T>(run: CliRun, code = 0): T {
  if (run.code !== code) throw new Error(`idsync exited ${run.code} (expected ${code}):\n${run.stderr}\n${run.stdout}`);
  const lines = run.stdout.trim().split('\n');
  if (lines.length !== 1) throw new Error(`--json must print exactly one JSON document, got:\n${run.stdout}`);
  return JSON.parse(lines[0]) as T;
}
