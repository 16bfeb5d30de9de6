import type { DataSource, EntityManager, EntitySubscriberInterface, QueryRunner } from 'typeorm';
import { auditTime, changesHash } from './audit-chain';
import { AuditChainer, ChainPassScheduler, type ChainConnection } from './audit-chainer';
import type { AuditEntry } from './audit-entry';

/**
 * Inserts records unchained (seq, prev_hash, hash NULL: the chainer links them after commit), in
 * the given order (WITH ORDINALITY: ids follow it, and the chainer links in id order).
 */
const INSERT_SQL = `
INSERT INTO audit_log (tenant_id, occurred_at, actor_type, actor_id, action, resource_type, resource_id, outcome, details, changes, changes_hash)
SELECT tenant_id, occurred_at, actor_type, actor_id, action, resource_type, resource_id, outcome, details, changes, changes_hash
  FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::jsonb[], $10::jsonb[], $11::bytea[])
       WITH ORDINALITY AS t(tenant_id, occurred_at, actor_type, actor_id, action, resource_type, resource_id, outcome, details, changes, changes_hash, ord)
 ORDER BY ord
RETURNING id`;

function insertParams(entries: AuditEntry[]): unknown[] {
  const rows = entries.map((e) => {
    const changes = e.changes ?? null;
    return {
      tenantId: e.tenantId?.toLowerCase() ?? null,
      // Hashed times are milliseconds (see auditTime): what a JS Date and timestamptz round-trip.
      occurredAt: auditTime(e.occurredAt ?? new Date()),
      details: JSON.stringify(e.details ?? {}),
      changes: changes === null ? null : JSON.stringify(changes),
      changesDigest: changesHash(changes),
      e,
    };
  });
  return [
    rows.map((r) => r.tenantId),
    rows.map((r) => r.occurredAt),
    rows.map((r) => r.e.actorType),
    rows.map((r) => r.e.actorId),
    rows.map((r) => r.e.action),
    rows.map((r) => r.e.resourceType ?? null),
    rows.map((r) => r.e.resourceId ?? null),
    rows.map((r) => r.e.outcome ?? 'success'),
    rows.map((r) => r.details),
    rows.map((r) => r.changes),
    rows.map((r) => r.changesDigest),
  ];
}

// Query runners whose open transaction inserted audit records: chained when it commits.
const awaitingChain = new WeakSet<QueryRunner>();
const schedulers = new WeakMap<DataSource, ChainPassScheduler>();

/**
 * The write has committed whatever happens here: a failed pass must not turn it into an error.
 * Its records stay pending for the next pass (any later write's, or the maintenance sweep).
 */
async function chainQuietly(dataSource: DataSource, queryRunner: QueryRunner): Promise<void> {
  try {
    await schedulerOf(dataSource).settle((await queryRunner.connect()) as ChainConnection);
  } catch (err) {
    process.emitWarning(`audit chaining failed (records stay pending for the next pass): ${err instanceof Error ? err.message : String(err)}`, { code: 'IDSYNC_AUDIT_CHAIN' });
  }
}

const chainAfterCommit: EntitySubscriberInterface = {
  afterTransactionCommit({ queryRunner }) {
    // A released savepoint is not a commit: wait for the outermost one.
    if (queryRunner.isTransactionActive || !awaitingChain.has(queryRunner)) return;
    awaitingChain.delete(queryRunner);
    // The pass runs on the committing writer's own connection: no second pool connection needed.
    return chainQuietly(queryRunner.connection, queryRunner);
  },
  afterTransactionRollback({ queryRunner }) {
    if (!queryRunner.isTransactionActive) awaitingChain.delete(queryRunner);
  },
};

/** Outside a transaction the record is committed already: chain it on a connection of its own. */
async function chainOnOwnConnection(dataSource: DataSource): Promise<void> {
  const queryRunner = dataSource.createQueryRunner();
  try {
    await chainQuietly(dataSource, queryRunner);
  } finally {
    await queryRunner.release();
  }
}

/** Links every committed pending record (tests, maintenance sweeps), on one connection of the DataSource. */
export async function chainPendingAuditRecords(dataSource: DataSource): Promise<number> {
  const queryRunner = dataSource.createQueryRunner();
  try {
    return await AuditChainer.chainAll((await queryRunner.connect()) as ChainConnection);
  } finally {
    await queryRunner.release();
  }
}

function schedulerOf(dataSource: DataSource): ChainPassScheduler {
  let scheduler = schedulers.get(dataSource);
  if (!scheduler) {
    scheduler = new ChainPassScheduler();
    schedulers.set(dataSource, scheduler);
    dataSource.subscribers.push(chainAfterCommit);
  }
  return scheduler;
}

/**
 * Writes audit records inside the caller's transaction, so a change and its audit record commit
 * together or not at all. The insert takes no lock: records are hash-chained right after the
 * transaction commits (a TypeORM commit hook runs a chaining pass — shared by concurrent commits —
 * before the caller's `transaction()` returns), so one tenant's writes no longer commit one at a
 * time. Outside a transaction the record commits with its statement and is chained at once.
 */
export class AuditWriter {
  static async record(manager: EntityManager, entry: AuditEntry): Promise<{ id: string }> {
    const [row] = await AuditWriter.insert(manager, [entry]);
    return row;
  }

  /** Many records (a batch of outcomes) in one statement; within a chain they keep the given order. */
  static async recordMany(manager: EntityManager, entries: AuditEntry[]): Promise<void> {
    if (entries.length > 0) await AuditWriter.insert(manager, entries);
  }

  private static async insert(manager: EntityManager, entries: AuditEntry[]): Promise<Array<{ id: string }>> {
    const rows = (await manager.query(INSERT_SQL, insertParams(entries))) as Array<{ id: string }>;
    const qr = manager.queryRunner;
    if (qr?.isTransactionActive) {
      schedulerOf(manager.dataSource); // registers the commit hook on first use
      awaitingChain.add(qr);
    } else await chainOnOwnConnection(manager.dataSource);
    return rows.map((r) => ({ id: String(r.id) }));
  }
}
