import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ConsoleReadModel, type SubscriptionActivity } from './console-read-model';
import { ListSubscriptionActivityQuery } from './list-subscription-activity.query';

@QueryHandler(ListSubscriptionActivityQuery)
export class ListSubscriptionActivityHandler implements IQueryHandler<ListSubscriptionActivityQuery, SubscriptionActivity[]> {
  constructor(private readonly readModel: ConsoleReadModel) {}

  execute({ tenantId }: ListSubscriptionActivityQuery): Promise<SubscriptionActivity[]> {
    return this.readModel.subscriptionActivity(tenantId);
  }
}
