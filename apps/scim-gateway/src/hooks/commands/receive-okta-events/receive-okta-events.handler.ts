import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { TOPICS, oktaEventKey, oktaHookRecordId, topicName, type OktaHookEventRecord, type OktaLogEvent } from '@idsync/contracts';
import { OutboxWriter } from '../../../outbox/outbox-writer';
import { ReceiveOktaEventsCommand, type ReceivedOktaEvents } from './receive-okta-events.command';

/**
 * One delivery → one transaction: each event uuid new to the tenant gets its dedupe row
 * (okta_hook_events, primary key tenant + uuid) and its outbox row together, so an event is either
 * fully accepted or not at all, and an Okta retry of an accepted uuid inserts nothing. The outbox
 * relay then publishes to idsync.okta.events.v1 with the same guarantees as SCIM changes.
 */
@CommandHandler(ReceiveOktaEventsCommand)
export class ReceiveOktaEventsHandler implements ICommandHandler<ReceiveOktaEventsCommand, ReceivedOktaEvents> {
  constructor(private readonly db: DataSource) {}

  async execute({ tenantId, events }: ReceiveOktaEventsCommand): Promise<ReceivedOktaEvents> {
    // A uuid repeated inside one delivery counts once.
    const unique = [...new Map(events.map((e) => [e.uuid, e])).values()];
    if (unique.length === 0) return { accepted: 0, duplicates: 0 };
    const fresh = await this.db.transaction(async (tx) => {
      const inserted = (await tx.query(
        `INSERT INTO okta_hook_events (tenant_id, event_uuid, event_type, published_at)
         SELECT $1::uuid, u, t, p FROM unnest($2::uuid[], $3::text[], $4::timestamptz[]) AS x(u, t, p)
         ON CONFLICT (tenant_id, event_uuid) DO NOTHING RETURNING event_uuid`,
        [tenantId, unique.map((e) => e.uuid), unique.map((e) => e.eventType), unique.map((e) => e.published)],
      )) as Array<{ event_uuid: string }>;
      const insertedIds = new Set(inserted.map((r) => r.event_uuid.toLowerCase()));
      // Delivery order is kept: the outbox relays in id order, per key in order.
      const accepted = unique.filter((e) => insertedIds.has(e.uuid));
      const receivedAt = new Date().toISOString();
      await OutboxWriter.enqueue(
        tx,
        accepted.map((event) => {
          const record = recordOf(tenantId, event, receivedAt);
          return {
            tenantId,
            topic: topicName(TOPICS.oktaEvents),
            key: oktaEventKey(tenantId, event),
            payload: record,
            headers: { 'idsync-change-id': record.recordId },
          };
        }),
      );
      return accepted.length;
    });
    return { accepted: fresh, duplicates: events.length - fresh };
  }
}

function recordOf(tenantId: string, event: OktaLogEvent, receivedAt: string): OktaHookEventRecord {
  return { recordId: oktaHookRecordId(tenantId, event.uuid), tenantId, receivedAt, event };
}
