import { NotFoundException } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { DeliveryRepository, type Delivery, type DeliveryAttempt } from '../delivery.repository';
import { GetDeliveryQuery } from './get-delivery.query';

export type DeliveryWithAttempts = Delivery & { attempts: DeliveryAttempt[] };

@QueryHandler(GetDeliveryQuery)
export class GetDeliveryHandler implements IQueryHandler<GetDeliveryQuery, DeliveryWithAttempts> {
  constructor(private readonly deliveries: DeliveryRepository) {}

  async execute({ tenantId, deliveryId }: GetDeliveryQuery): Promise<DeliveryWithAttempts> {
    const delivery = await this.deliveries.find(tenantId, deliveryId);
    if (!delivery) throw new NotFoundException(`No delivery ${deliveryId}`);
    return { ...delivery, attempts: await this.deliveries.attempts(tenantId, deliveryId) };
  }
}
