import type { EntityManager } from 'typeorm';

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
 * delivered only if that transaction commits, waking the relay at once.
 */
export class OutboxWriter {
  static async enqueue(manager: EntityManager, messages: OutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const values: unknown[] = [];
    const rows = messages.map((m, i) => {
      values.push(m.tenantId, m.topic, m.key, JSON.stringify(m.payload), JSON.stringify(m.headers ?? {}));
      const b = i * 5;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}::jsonb, $${b + 5}::jsonb)`;
    });
    await manager.query(`INSERT INTO outbox (tenant_id, topic, message_key, payload, headers) VALUES ${rows.join(', ')}`, values);
    await manager.query(`SELECT pg_notify($1, '')`, [OUTBOX_CHANNEL]);
  }
}
