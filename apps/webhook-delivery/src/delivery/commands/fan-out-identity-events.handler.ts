import { Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { subscribesTo } from '../../domain/event-type-pattern';
import type { IdentityEvent } from '../../domain/identity-cloud-event';
import { selectForSubscription } from '../../domain/webhook-payload';
import type { Subscription } from '../../subscriptions/subscription.repository';
import { SubscriptionRepository } from '../../subscriptions/subscription.repository';
import { DeliveryRepository, type DeliveryTarget } from '../delivery.repository';
import { deliveriesCreated } from '../delivery-metrics';
import { DeliveryScheduler } from '../delivery-scheduler';
import { FanOutIdentityEventsCommand } from './fan-out-identity-events.command';

/**
 * Writes one durable delivery record per (event, matching enabled subscription of the event's
 * tenant) — event type, then resource filter — with the body that subscription gets (its
 * attribute mapping applied), before any attempt. The records of all the command's events go in
 * one INSERT, in the events' order, so each resource's deliveries get ascending `seq` (ordered
 * delivery) and a failure stores none of them. It completes (and the consumer resolves the
 * offsets) only once they are stored; a redelivered record hits the unique (subscription, event)
 * constraint and adds nothing.
 */
@CommandHandler(FanOutIdentityEventsCommand)
export class FanOutIdentityEventsHandler implements ICommandHandler<FanOutIdentityEventsCommand, number> {
  private readonly logger = new Logger(FanOutIdentityEventsHandler.name);

  constructor(
    private readonly subscriptions: SubscriptionRepository,
    private readonly deliveries: DeliveryRepository,
    private readonly scheduler: DeliveryScheduler,
  ) {}

  async execute({ events }: FanOutIdentityEventsCommand): Promise<number> {
    if (events.length === 0) return 0;
    // One lookup per tenant of the batch (the repository merges concurrent lookups into one query).
    const tenants = [...new Set(events.map((e) => e.tenantId.toLowerCase()))];
    const enabled = new Map(await Promise.all(tenants.map(async (t) => [t, await this.subscriptions.listEnabled(t)] as const)));
    const fanOut = events.map((event) => ({ event, targets: this.targetsOf(event, enabled.get(event.tenantId.toLowerCase()) ?? []) }));
    const created = await this.deliveries.insertForEvents(fanOut, this.scheduler.schedule.initialDelayMs);
    if (created > 0) {
      deliveriesCreated.inc(created);
      this.scheduler.wake();
    }
    return created;
  }

  private targetsOf(event: IdentityEvent, subscriptions: Subscription[]): DeliveryTarget[] {
    return subscriptions
      .filter((s) => subscribesTo(s.eventTypes, event.cloudEvent.type))
      .flatMap((s) => {
        try {
          const payload = selectForSubscription(event.cloudEvent, s);
          return payload === undefined ? [] : [{ subscriptionId: s.id, payload }];
        } catch (err) {
          // Filters and mappings are validated when saved; should one still fail, only that
          // subscription misses the event — throwing would stall the partition for every tenant.
          this.logger.error(`subscription ${s.id}: cannot apply its resource filter or attribute mapping: ${err instanceof Error ? err.message : String(err)}`);
          return [];
        }
      });
  }
}
