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
  constructor(
    private readonly subscriptions: SubscriptionRepository,
    private readonly deliveries: DeliveryRepository,
    private readonly scheduler: DeliveryScheduler,
  ) {}

  async execute({ event }: FanOutIdentityEventCommand): Promise<number> {
    const targets = (await this.subscriptions.listEnabled(event.tenantId))
      .filter((s) => subscribesTo(s.eventTypes, event.cloudEvent.type))
      .flatMap((s) => {
        const payload = selectForSubscription(event.cloudEvent, s);
        return payload === undefined ? [] : [{ subscriptionId: s.id, payload }];
      });
    const created = await this.deliveries.insertForEvent(event, targets, this.scheduler.schedule.initialDelayMs);
    if (created > 0) {
      deliveriesCreated.inc(created);
      this.scheduler.wake();
    }
    return created;
  }
}
