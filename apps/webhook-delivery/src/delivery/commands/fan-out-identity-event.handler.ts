import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { subscribesTo } from '../../domain/event-type-pattern';
import { SubscriptionRepository } from '../../subscriptions/subscription.repository';
import { DeliveryRepository } from '../delivery.repository';
import { deliveriesCreated } from '../delivery-metrics';
import { DeliveryScheduler } from '../delivery-scheduler';
import { FanOutIdentityEventCommand } from './fan-out-identity-event.command';

/**
 * Writes one durable delivery record per matching enabled subscription of the event's tenant,
 * before any attempt. It completes (and Kafka commits the offset) only once the records are
 * stored; a redelivered record hits the unique (subscription, event) constraint and adds nothing.
 */
@CommandHandler(FanOutIdentityEventCommand)
export class FanOutIdentityEventHandler implements ICommandHandler<FanOutIdentityEventCommand, number> {
  constructor(
    private readonly subscriptions: SubscriptionRepository,
    private readonly deliveries: DeliveryRepository,
    private readonly scheduler: DeliveryScheduler,
  ) {}

  async execute({ event }: FanOutIdentityEventCommand): Promise<number> {
    const matching = (await this.subscriptions.listEnabled(event.tenantId)).filter((s) => subscribesTo(s.eventTypes, event.cloudEvent.type));
    const created = await this.deliveries.insertForEvent(
      event,
      matching.map((s) => s.id),
      this.scheduler.schedule.initialDelayMs,
    );
    if (created > 0) {
      deliveriesCreated.inc(created);
      this.scheduler.wake();
    }
    return created;
  }
}
