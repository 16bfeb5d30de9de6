import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { SubscriptionRepository, type Subscription } from '../subscription.repository';
import { ListSubscriptionsQuery } from './list-subscriptions.query';

/** A tenant's subscriptions; secrets are never listed. */
@QueryHandler(ListSubscriptionsQuery)
export class ListSubscriptionsHandler implements IQueryHandler<ListSubscriptionsQuery, Subscription[]> {
  constructor(private readonly subscriptions: SubscriptionRepository) {}

  execute({ tenantId }: ListSubscriptionsQuery): Promise<Subscription[]> {
    return this.subscriptions.list(tenantId);
  }
}
