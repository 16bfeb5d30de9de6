import { NotFoundException } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { SubscriptionRepository } from '../../subscriptions/subscription.repository';
import { DeliveryRepository } from '../delivery.repository';
import { DeliveryScheduler } from '../delivery-scheduler';
import { RecoverSubscriptionCommand } from './recover-subscription.command';

export interface RecoverResult {
  subscriptionId: string;
  since: string;
  requeued: number;
  deliveryIds: string[];
}

/** POST /admin/subscriptions/{id}/recover?since=… — after an outage of the receiver. */
@CommandHandler(RecoverSubscriptionCommand)
export class RecoverSubscriptionHandler implements ICommandHandler<RecoverSubscriptionCommand, RecoverResult> {
  constructor(
    private readonly subscriptions: SubscriptionRepository,
    private readonly deliveries: DeliveryRepository,
    private readonly scheduler: DeliveryScheduler,
  ) {}

  async execute({ tenantId, subscriptionId, since }: RecoverSubscriptionCommand): Promise<RecoverResult> {
    if (!(await this.subscriptions.find(tenantId, subscriptionId))) throw new NotFoundException(`No subscription ${subscriptionId}`);
    const ids = await this.deliveries.requeue(tenantId, { subscriptionId, failedSince: since });
    if (ids.length > 0) this.scheduler.wake();
    return { subscriptionId, since: since.toISOString(), requeued: ids.length, deliveryIds: ids };
  }
}
