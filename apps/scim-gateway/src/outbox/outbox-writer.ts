import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { inSpan, injectTraceContext } from '@idsync/platform';

export interface OutboxMessage {
  tenantId: string;
  topic: string;
  key: string;
  payload: unknown;
  headers?: Record<string, string>;
}

export const OUTBOX_CHANNEL = 'idsync_outbox';

/** DataSources whose process wakes the relay after each commit (the gateway's OutboxWakeup). */
const wokenAfterCommit = new WeakSet<DataSource>();
/** Open transactions that enqueued rows on such a DataSource: the commit hook wakes the relay for them. */
const awaitingWake = new WeakSet<QueryRunner>();

/** Called by OutboxWakeup: from now on, writes on this DataSource skip the in-transaction NOTIFY. */
export function registerPostCommitWakeup(dataSource: DataSource): void {
  wokenAfterCommit.add(dataSource);
}

/** True (once) if this committed transaction enqueued outbox rows. */
export function takeEnqueuedMark(queryRunner: QueryRunner): boolean {
  return awaitingWake.delete(queryRunner);
}

/**
 * Adds messages to the transactional outbox inside the caller's transaction. Each row keeps the
 * trace context of an `outbox.write` span (child of the SCIM request's span), which the relay
 * publishes as the record's `traceparent` header.
 *
 * Waking the relay: in the gateway, OutboxWakeup does it after COMMIT (no NOTIFY in the write
 * transaction: PostgreSQL serialises every notifying commit on one global lock). Elsewhere (the
 * CLI, tests on a bare DataSource) there is no such hook, so the row's transaction NOTIFYs, which
 * PostgreSQL delivers only if it commits.
 */
export class OutboxWriter {
  static async enqueue(manager: EntityManager, messages: OutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const queryRunner = manager.queryRunner;
    const wakeAfterCommit = queryRunner?.isTransactionActive === true && wokenAfterCommit.has(manager.dataSource);
    await inSpan('outbox.write', { attributes: { 'idsync.outbox.messages': messages.length } }, undefined, async () => {
      // NULL when tracing is off or there is no span (nothing to continue).
      const traceContext = injectTraceContext();
      const traceJson = Object.keys(traceContext).length > 0 ? JSON.stringify(traceContext) : null;
      const values: unknown[] = [];
      const rows = messages.map((m, i) => {
        values.push(m.tenantId, m.topic, m.key, JSON.stringify(m.payload), JSON.stringify(m.headers ?? {}), traceJson);
        const b = i * 6;
        return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}::jsonb, $${b + 5}::jsonb, $${b + 6}::jsonb)`;
      });
      const insert = `INSERT INTO outbox (tenant_id, topic, message_key, payload, headers, trace_context) VALUES ${rows.join(', ')}`;
      if (wakeAfterCommit) {
        await manager.query(insert, values);
        return;
      }
      // One round trip: the INSERT runs as a data-modifying CTE (always executed) beside the NOTIFY.
      values.push(OUTBOX_CHANNEL);
      await manager.query(`WITH rows AS (${insert} RETURNING 1) SELECT pg_notify($${values.length}, '') FROM (SELECT count(*) FROM rows) AS c`, values);
    });
    if (wakeAfterCommit && queryRunner) awaitingWake.add(queryRunner);
  }
}
