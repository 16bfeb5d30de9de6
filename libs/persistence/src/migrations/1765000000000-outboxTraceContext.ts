import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The W3C trace context (`traceparent`, `tracestate`) of the SCIM request that wrote an outbox
 * row, so the relay — later, in another async context — publishes the record as part of that
 * trace. NULL when tracing is off.
 */
export class OutboxTraceContext1765000000000 implements MigrationInterface {
  name = 'OutboxTraceContext1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE outbox ADD COLUMN trace_context jsonb');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE outbox DROP COLUMN trace_context');
  }
}
