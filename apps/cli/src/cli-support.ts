import { Command, InvalidArgumentError } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { Kafka, logLevel } from 'kafkajs';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@idsync/persistence';
import { formatTable, printResult } from '@idsync/platform';
import { TenantService } from '../../scim-gateway/src/tenants/tenant.service';

// What every command group shares, so `idsync` behaves the same everywhere. The contract scripts
// rely on (docs/CLI.md):
//   exit 0 = ok, 1 = the operation failed (CliFailure, or anything unexpected), 2 = bad usage;
//   --json prints exactly one JSON document on stdout; messages and progress go to stderr.

export { formatTable, printResult };

/** The operation failed for a reason the operator can act on: message on stderr, exit 1. */
export class CliFailure extends Error {}

/** Bad usage detected after parsing (e.g. two options that exclude each other): exit 2. */
export class CliUsageError extends Error {}

/** The output is already printed and says what is wrong (e.g. `status`); only the exit code is left to set. */
export class CliExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export interface JsonOption {
  json?: boolean;
}

/** Adds the standard `--json` option; every command that prints data has it. */
export function withJsonOption(command: Command): Command {
  return command.option('--json', 'print one JSON document on stdout instead of text');
}

/** Text for people on stderr (never mixed into --json output on stdout). */
export function note(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** Opens a small pool on DATABASE_URL for one command and always closes it. */
export async function withDb<T>(fn: (db: DataSource) => Promise<T>): Promise<T> {
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/idsync';
  const db = new DataSource({ ...dataSourceOptions(url), extra: { max: 2 } } as ConstructorParameters<typeof DataSource>[0]);
  try {
    await db.initialize();
  } catch (err) {
    throw new CliFailure(`cannot connect to the database: ${(err as Error).message}`);
  }
  try {
    return await fn(db);
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') throw new CliFailure('the database has no idsync schema yet: run `npm run migrate` first');
    throw err;
  } finally {
    await db.destroy();
  }
}

/** Who audit records of CLI actions name: the operating-system user that ran the command. */
export function cliActorId(): string {
  return `cli:${process.env.USER ?? process.env.USERNAME ?? 'unknown'}`;
}

/** A tenant by name or id, or a CliFailure naming what was not found. */
export async function resolveTenant(db: DataSource, ref: string): Promise<{ id: string; name: string }> {
  const tenant = await new TenantService(db).findByNameOrId(ref);
  if (!tenant) throw new CliFailure(`no tenant named "${ref}"`);
  return tenant;
}

/** KAFKA_BROKERS (same default as the apps) as a list. */
export function kafkaBrokers(): string[] {
  return (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}

export function kafkaTopicPrefix(): string {
  return process.env.KAFKA_TOPIC_PREFIX ?? '';
}

/** A Kafka client with few, short retries: an operator wants "cannot reach the broker" in seconds. */
export function cliKafka(clientId = 'idsync-cli'): Kafka {
  return new Kafka({
    clientId,
    brokers: kafkaBrokers(),
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 200, retries: 2, maxRetryTime: 1_000 },
  });
}

/** Rejects with a CliFailure after `ms`; the timer never keeps the process alive. */
export async function withDeadline<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CliFailure(`timed out after ${ms} ms ${what}`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Option parser: a positive safe integer (commander turns the error into a usage error, exit 2). */
export function positiveInteger(raw: string): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/** Option parser for repeatable options: `--x a --x b` → ['a', 'b']. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export interface Progress {
  /** Counts `by` (default 1) items as done. */
  tick(by?: number): void;
  /** Removes the bar (call in finally). */
  stop(): void;
}

/**
 * A progress bar on stderr for long work (replays, re-drives, imports, key rotation). It draws only
 * when stderr is a terminal and never in --json mode, so scripts and CI logs get no control codes.
 */
export function progressBar(label: string, total: number, opts: JsonOption = {}): Progress {
  if (opts.json || !process.stderr.isTTY || total <= 1) return { tick: () => undefined, stop: () => undefined };
  const bar = new SingleBar(
    { format: `${label} [{bar}] {value}/{total} {percentage}% eta {eta_formatted}`, stream: process.stderr, clearOnComplete: true, hideCursor: true },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return { tick: (by = 1) => bar.increment(by), stop: () => bar.stop() };
}

/** Base URL of an app: explicit flag, else the env var, else the local default port. */
export function appUrl(flag: string | undefined, envName: string, defaultPort: number): string {
  return (flag ?? process.env[envName] ?? `http://127.0.0.1:${defaultPort}`).replace(/\/$/, '');
}

/**
 * Calls an admin API (Bearer ADMIN_API_TOKEN); a non-2xx answer becomes a CliFailure carrying the
 * API's own message, so validation and tenant scoping stay the API's.
 */
export async function callAdminApi<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const token = process.env.ADMIN_API_TOKEN;
  if (!token) throw new CliFailure('ADMIN_API_TOKEN is not set');
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new CliFailure(`cannot reach ${base}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const text = await res.text();
  let parsed: T & { message?: string | string[]; detail?: string };
  try {
    parsed = (text ? JSON.parse(text) : {}) as typeof parsed;
  } catch {
    if (!res.ok) throw new CliFailure(`${res.status}: ${text.slice(0, 200)}`);
    throw new CliFailure(`${base}${path} answered with something that is not JSON`);
  }
  if (!res.ok) {
    const message = Array.isArray(parsed.message) ? parsed.message.join('; ') : (parsed.message ?? parsed.detail ?? text);
    throw new CliFailure(`${res.status}: ${message}`);
  }
  return parsed;
}

/** `?a=1&b=2` from the defined entries. */
export function queryString(params: Record<string, string | number | undefined>): string {
  const defined = Object.entries(params).filter((e): e is [string, string | number] => e[1] !== undefined);
  return defined.length ? `?${new URLSearchParams(defined.map(([k, v]): [string, string] => [k, String(v)])).toString()}` : '';
}

/** One line, at most `max` characters (for table cells holding error messages). */
export function oneLine(text: string | null | undefined, max: number): string {
  const flat = (text ?? '').replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
