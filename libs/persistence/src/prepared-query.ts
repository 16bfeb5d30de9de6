import { createHash } from 'node:crypto';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

/** What node-postgres answers: the rows, and for INSERT/UPDATE/DELETE the rows affected. */
export interface PreparedResult<T> {
  rows: T[];
  rowCount: number;
}

/** A pg Client: it takes a query config with a statement name. */
interface PgQueryable {
  query(config: { name?: string; text: string; values: unknown[] }): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/** A pg Pool (only what is used here). */
interface PgPool {
  connect(): Promise<PgQueryable & { release(): void }>;
}

/**
 * Distinct texts given a statement name, per process. Each pooled connection prepares (and keeps,
 * until it closes) at most this many statements, so texts built from client input (filters) cannot
 * grow a backend's memory without bound: past the cap, new texts run unnamed as before.
 */
export const MAX_PREPARED_TEXTS = 64;

const names = new Map<string, string>();
/**
 * Bumped when PostgreSQL refuses a prepared statement because a migration changed the type of a
 * column it returns ("cached plan must not change result type"): every text then gets a new name,
 * which each connection prepares afresh on next use (the stale ones go with their connection).
 */
let generation = 0;

/** Statement name for a fixed text (a hash of it), or undefined once the cap is reached. */
function statementName(text: string): string | undefined {
  const known = names.get(text);
  if (known) return known;
  if (names.size >= MAX_PREPARED_TEXTS) return undefined;
  const name = `idsync_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
  names.set(text, name);
  return name;
}

/** The pg client of a transaction's manager or a query runner (bound: true), else the pool. */
function pgTarget(target: DataSource | EntityManager | QueryRunner): { pg: PgQueryable; bound: boolean } {
  // A QueryRunner also has a driver: tell it apart first.
  const runner = 'isReleased' in target ? target : 'driver' in target ? undefined : target.queryRunner;
  if (runner) {
    const client = (runner as { databaseConnection?: PgQueryable }).databaseConnection;
    if (!client) throw new Error('preparedQuery: the query runner is not connected');
    return { pg: client, bound: true };
  }
  const dataSource = 'driver' in target ? (target as DataSource) : (target as EntityManager).dataSource;
  const pool = (dataSource.driver as unknown as { master: PgPool }).master;
  // A client checked out per query, as TypeORM does for an unbound manager. Not pool.query(): it
  // destroys the connection (and the statements prepared on it) on any error, a unique violation too;
  // release() without an error still drops a connection that is broken.
  const pg: PgQueryable = {
    async query(config) {
      const client = await pool.connect();
      try {
        return await client.query(config);
      } finally {
        client.release();
      }
    },
  };
  return { pg, bound: false };
}

function isStaleResultType(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return e.code === '0A000' && typeof e.message === 'string' && e.message.includes('cached plan must not change result type');
}

/**
 * Runs `text` as a named prepared statement on the pg connection TypeORM would use (the
 * transaction's client for a transaction's manager, else the pool). TypeORM has no prepared-statement
 * API: its query() sends unnamed statements, which PostgreSQL parses and plans on every call — for
 * the gateway's hot reads, more CPU than executing them. A named statement is parsed once per
 * connection and its plan cached (PostgreSQL switches to a generic plan when that costs no more).
 *
 * Use it for fixed texts (the same text for the same shape of call); the name is a hash of the
 * text, and at most MAX_PREPARED_TEXTS texts are named. Errors are node-postgres errors (code,
 * constraint, detail), not TypeORM's QueryFailedError.
 */
export async function preparedQuery<T = Record<string, unknown>>(
  target: DataSource | EntityManager | QueryRunner,
  text: string,
  values: unknown[] = [],
): Promise<PreparedResult<T>> {
  const { pg, bound } = pgTarget(target);
  const run = async (): Promise<PreparedResult<T>> => {
    const base = statementName(text);
    const result = await pg.query(base ? { name: generation ? `${base}_${generation}` : base, text, values } : { text, values });
    return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
  };
  const started = generation;
  try {
    return await run();
  } catch (err) {
    if (!isStaleResultType(err)) throw err;
    if (generation === started) generation += 1;
    // Inside a transaction the failed statement has aborted it: the caller's error stands (its retry
    // gets the new name). Outside one, run it again under the new name.
    if (bound) throw err;
    return run();
  }
}
