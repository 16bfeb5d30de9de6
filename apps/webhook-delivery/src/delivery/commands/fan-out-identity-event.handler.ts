import { Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { subscribesTo } from '../../domain/event-type-pattern';
import { selectForSubscription } from '../../domain/webhook-payload';
import { SubscriptionRepository } from '../../subscriptions/subscription.repository';
import { DeliveryRepository } from '../delivery.repository';
import { deliveriesCreated } from '../delivery-metrics';
import { DeliveryScheduler } from '../delivery-scheduler';
import { FanOutIdentityEventCommand } from './fan-out-identity-event.command';

/**
 * Writes one durable delivery record per matching enabled subscription of the event's tenant
 * (event type, then resource filter), with the body that subscription gets (its attribute
 * mapping applied), before any attempt. It completes (and Kafka commits the offset) only once the
 * records are stored; a redelivered record hits the unique (subscription, event) constraint and
 * adds nothing.
 */
@CommandHandler(FanOutIdentityEventCommand)
export class FanOutIdentityEventHandler implements ICommandHandler<FanOutIdentityEventCommand, number> {
  private readonly logger = new Logger(FanOutIdentityEventHandler.name);

  constructor(
    private readonly subscriptions: SubscriptionRepository,
    private readonly deliveries: DeliveryRepository,
    private readonly scheduler: DeliveryScheduler,
  ) {}

  async execute({ event }: FanOutIdentityEventCommand): Promise<number> {
    const targets = (await this.subscriptions.listEnabled(event.tenantId))
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
    const created = await this.deliveries.insertForEvent(event, targets, this.scheduler.schedule.initialDelayMs);
    if (created > 0) {
      deliveriesCreated.inc(created);
      this.scheduler.wake();
    }
    return created;
  }
}
