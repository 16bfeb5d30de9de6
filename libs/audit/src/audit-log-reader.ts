import { SYSTEM_CHAIN_ID } from './audit-chain';
import { AUDIT_LOG_COLUMNS, toAuditRecord, type AuditLogRow, type AuditRecord } from './audit-record';
import type { SqlRunner } from './sql-runner';

export interface AuditQuery {
  /** A tenant id; null = records without a tenant (the system chain). */
  tenantId?: string | null;
  actorId?: string;
  /** Target (resource) id. */
  targetId?: string;
  /** An action (`user.patch`) or a prefix ending in `.*` (`user.*`). */
  action?: string;
  from?: Date;
  /** Exclusive. */
  to?: Date;
  /** From a previous page's nextCursor. */
  cursor?: string;
  limit: number;
}

export interface AuditPage {
  records: AuditRecord[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export class InvalidAuditCursorError extends Error {}

function encodeCursor(id: string): string {
  return Buffer.from(JSON.stringify({ before: id }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { before?: unknown };
    if (typeof parsed.before === 'string' && /^[1-9]\d{0,18}$/.test(parsed.before)) return parsed.before;
  } catch {
    // falls through to the error below
  }
  throw new InvalidAuditCursorError('cursor is not one this API returned');
}

/** WHERE clause and parameters of a query's filters (everything parameterised). */
function filters(q: Omit<AuditQuery, 'cursor' | 'limit'>, params: unknown[]): string[] {
  const where: string[] = [];
  const add = (sql: (n: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (q.tenantId !== undefined) add((p) => `chain_id = ${p}::uuid`, q.tenantId?.toLowerCase() ?? SYSTEM_CHAIN_ID);
  if (q.actorId !== undefined) add((p) => `actor_id = ${p}`, q.actorId);
  if (q.targetId !== undefined) add((p) => `resource_id = ${p}`, q.targetId);
  if (q.action !== undefined) {
    if (q.action.endsWith('.*')) add((p) => `action LIKE ${p}`, `${q.action.slice(0, -2).replace(/[\\%_]/g, (c) => `\\${c}`)}.%`);
    else add((p) => `action = ${p}`, q.action);
  }
  if (q.from !== undefined) add((p) => `occurred_at >= ${p}`, q.from);
  if (q.to !== undefined) add((p) => `occurred_at < ${p}`, q.to);
  return where;
}

/** Reads the audit trail: filtered pages newest first (keyset on id), and chain-ordered streams for export. */
export class AuditLogReader {
  constructor(private readonly db: SqlRunner) {}

  async page(q: AuditQuery): Promise<AuditPage> {
    const params: unknown[] = [];
    const where = filters(q, params);
    if (q.cursor !== undefined) {
      params.push(decodeCursor(q.cursor));
      where.push(`id < $${params.length}`);
    }
    params.push(q.limit + 1);
    const rows = (await this.db.query(
      `SELECT ${AUDIT_LOG_COLUMNS} FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`,
      params,
    )) as AuditLogRow[];
    const more = rows.length > q.limit;
    const records = rows.slice(0, q.limit).map(toAuditRecord);
    return { records, nextCursor: more ? encodeCursor(records[records.length - 1].id) : null };
  }

  /**
   * Every matching record of one tenant's chain (or of every chain, one after the other) in chain
   * order (seq), read in batches: the export's line order is the order a verifier recomputes in.
   */
  async *stream(q: { tenantId?: string | null; from?: Date; to?: Date }, batchSize = 1_000): AsyncGenerator<AuditRecord> {
    const chains =
      q.tenantId !== undefined
        ? [q.tenantId?.toLowerCase() ?? SYSTEM_CHAIN_ID]
        : ((await this.db.query('SELECT chain_id FROM audit_chain_heads ORDER BY chain_id')) as Array<{ chain_id: string }>).map((r) => r.chain_id);
    for (const chainId of chains) {
      let after = '0';
      for (;;) {
        const params: unknown[] = [];
        const where = filters({ tenantId: chainId === SYSTEM_CHAIN_ID ? null : chainId, from: q.from, to: q.to }, params);
        params.push(after, batchSize);
        const rows = (await this.db.query(
          `SELECT ${AUDIT_LOG_COLUMNS} FROM audit_log WHERE ${where.join(' AND ')} AND seq > $${params.length - 1} ORDER BY seq LIMIT $${params.length}`,
          params,
        )) as AuditLogRow[];
        for (const row of rows) yield toAuditRecord(row);
        if (rows.length < batchSize) break;
        after = String(rows[rows.length - 1].seq);
      }
    }
  }
}
