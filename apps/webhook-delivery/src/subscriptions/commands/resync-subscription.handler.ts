import { Logger, NotFoundException } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { TOPICS, topicName, type ScimResourceKind } from '@idsync/contracts';
import { kafkaClientConfig } from '@idsync/platform';
import { readCurrentStates, type CurrentStateEntry } from '@idsync/reconcile';
import { WebhookConfig } from '../../config/webhook.config';
import { subscribesTo } from '../../domain/event-type-pattern';
import { selectForSubscription } from '../../domain/webhook-payload';
import { DeliveryScheduler } from '../../delivery/delivery-scheduler';
import { snapshotDeliveryId, snapshotEvent, snapshotEventType } from '../snapshot-event';
import { SubscriptionRepository } from '../subscription.repository';
import { ResyncSubscriptionCommand } from './resync-subscription.command';

export interface ResyncResult {
  subscriptionId: string;
  /** Current resources of the tenant whose snapshot type the subscription asks for. */
  resources: number;
  /** Excluded by the subscription's resource filter. */
  filteredOut: number;
  /** New deliveries queued by this run. */
  enqueued: number;
  /** Already queued (or sent) by an earlier re-sync of the same versions: skipped, not duplicated. */
  alreadyQueued: number;
  batches: number;
}

const BATCH_SIZE = 500;
const READ_TIMEOUT_MS = 120_000;

interface SnapshotDelivery {
  id: string;
  eventId: string;
  eventType: string;
  subjectKey: string;
  payload: string;
}

/**
 * POST /admin/subscriptions/{id}/resync — onboarding a new target system: reads the compacted
 * current-state topics (the public contract, as any consumer bootstraps; docs/EVENTS.md) to their
 * high-water marks and queues one `idsync.<kind>.snapshot` delivery per live resource the
 * subscription selects (event types, resource filter; attribute mapping applied), for this
 * subscription only, in batches. Delivery ids derive from (subscription, resource, version) and
 * inserts skip existing ones, so a repeated or interrupted-and-rerun re-sync resumes without
 * duplicating anything at a receiver that de-duplicates on webhook-id.
 */
@CommandHandler(ResyncSubscriptionCommand)
export class ResyncSubscriptionHandler implements ICommandHandler<ResyncSubscriptionCommand, ResyncResult> {
  private readonly logger = new Logger(ResyncSubscriptionHandler.name);

  constructor(
    private readonly subscriptions: SubscriptionRepository,
    private readonly scheduler: DeliveryScheduler,
    private readonly config: WebhookConfig,
    private readonly db: DataSource,
  ) {}

  async execute({ tenantId, subscriptionId }: ResyncSubscriptionCommand): Promise<ResyncResult> {
    const subscription = await this.subscriptions.find(tenantId, subscriptionId);
    if (!subscription) throw new NotFoundException(`No subscription ${subscriptionId}`);
    const result: ResyncResult = { subscriptionId, resources: 0, filteredOut: 0, enqueued: 0, alreadyQueued: 0, batches: 0 };
    const kafka = new Kafka(kafkaClientConfig(this.config, 'idsync-webhook-resync'));
    const kinds: Array<{ kind: ScimResourceKind; topic: string }> = [
      { kind: 'User', topic: TOPICS.users },
      { kind: 'Group', topic: TOPICS.groups },
    ];
    // Only the kinds the subscription asks for, read in one pass.
    const wanted = kinds.filter(({ kind }) => subscribesTo(subscription.eventTypes, snapshotEventType(kind))).map((k) => ({ ...k, topic: topicName(k.topic, this.config.KAFKA_TOPIC_PREFIX) }));
    const states = wanted.length > 0 ? await readCurrentStates(kafka, wanted.map((k) => k.topic), { tenantId, timeoutMs: READ_TIMEOUT_MS }) : new Map<string, Map<string, CurrentStateEntry>>();
    for (const { kind, topic } of wanted) {
      const state = states.get(topic) ?? new Map<string, CurrentStateEntry>();
      let batch: SnapshotDelivery[] = [];
      for (const [key, entry] of state) {
        if (entry.value === null || entry.version === null) continue;
        result.resources++;
        const event = snapshotEvent(tenantId, kind, entry.resourceId, entry.version, entry.value);
        const payload = selectForSubscription(event, subscription);
        if (payload === undefined) {
          result.filteredOut++;
          continue;
        }
        batch.push({ id: snapshotDeliveryId(subscriptionId, key, entry.version), eventId: event.id, eventType: event.type, subjectKey: key, payload });
        if (batch.length >= BATCH_SIZE) {
          await this.insertBatch(tenantId, subscriptionId, batch, result);
          batch = [];
        }
      }
      if (batch.length > 0) await this.insertBatch(tenantId, subscriptionId, batch, result);
    }
    this.logger.log(`re-sync of subscription ${subscriptionId}: ${result.enqueued} queued, ${result.alreadyQueued} already queued, ${result.filteredOut} filtered out`);
    return result;
  }

  private async insertBatch(tenantId: string, subscriptionId: string, batch: SnapshotDelivery[], result: ResyncResult): Promise<void> {
    const rows: unknown[] = await this.db.query(
      `INSERT INTO webhook_deliveries (id, tenant_id, subscription_id, event_id, event_type, subject_key, payload)
       SELECT t.id, $1, $2, t.event_id, t.event_type, t.subject_key, t.payload
       FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[]) AS t(id, event_id, event_type, subject_key, payload)
       ON CONFLICT DO NOTHING RETURNING id`,
      [tenantId, subscriptionId, batch.map((d) => d.id), batch.map((d) => d.eventId), batch.map((d) => d.eventType), batch.map((d) => d.subjectKey), batch.map((d) => d.payload)],
    );
    result.batches++;
    result.enqueued += rows.length;
    result.alreadyQueued += batch.length - rows.length;
    if (rows.length > 0) this.scheduler.wake();
    this.logger.log(`re-sync of subscription ${subscriptionId}: batch ${result.batches}, ${result.enqueued + result.alreadyQueued} of the resources so far`);
  }
}
