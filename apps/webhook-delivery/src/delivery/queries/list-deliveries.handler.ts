import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { DeliveryRepository, type Delivery } from '../delivery.repository';
import { ListDeliveriesQuery } from './list-deliveries.query';

/** GET /admin/deliveries: newest first, by subscription, status, event type and time range. */
@QueryHandler(ListDeliveriesQuery)
export class ListDeliveriesHandler implements IQueryHandler<ListDeliveriesQuery, Delivery[]> {
  constructor(private readonly deliveries: DeliveryRepository) {}

  execute({ tenantId, filter }: ListDeliveriesQuery): Promise<Delivery[]> {
    return this.deliveries.list(tenantId, filter);
  }
}
