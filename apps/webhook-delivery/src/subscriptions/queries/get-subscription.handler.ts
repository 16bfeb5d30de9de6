import { NotFoundException } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { SubscriptionRepository, type Subscription } from '../subscription.repository';
import { GetSubscriptionQuery } from './get-subscription.query';

@QueryHandler(GetSubscriptionQuery)
export class GetSubscriptionHandler implements IQueryHandler<GetSubscriptionQuery, Subscription> {
  constructor(private readonly subscriptions: SubscriptionRepository) {}

  async execute({ tenantId, subscriptionId }: GetSubscriptionQuery): Promise<Subscription> {
    const subscription = await this.subscriptions.find(tenantId, subscriptionId);
    if (!subscription) throw new NotFoundException(`No subscription ${subscriptionId}`);
    return subscription;
  }
}
