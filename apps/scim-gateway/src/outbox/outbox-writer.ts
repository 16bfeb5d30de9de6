import type { EntityManager } from 'typeorm';
import { inSpan, injectTraceContext } from '@idsync/platform';

export interface OutboxMessage {
  tenantId: string;
  topic: string;
  key: string;
  payload: unknown;
  headers?: Record<string, string>;
}

export const OUTBOX_CHANNEL = 'idsync_outbox';

/**
 * Adds messages to the transactional outbox inside the caller's transaction; the NOTIFY is
 * delivered only if that transaction commits, waking the relay at once. Each row keeps the trace
 * context of an `outbox.write` span (child of the SCIM request's span), which the relay publishes
 * as the record's `traceparent` header.
 */
export class OutboxWriter {
  static async enqueue(manager: EntityManager, messages: OutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
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
      // One round trip: the INSERT runs as a data-modifying CTE (always executed) beside the NOTIFY.
      values.push(OUTBOX_CHANNEL);
      await manager.query(
        `WITH rows AS (INSERT INTO outbox (tenant_id, topic, message_key, payload, headers, trace_context) VALUES ${rows.join(', ')} RETURNING 1)
         SELECT pg_notify($${values.length}, '') FROM (SELECT count(*) FROM rows) AS c`,
        values,
      );
    });
  }
}
