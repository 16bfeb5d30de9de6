import { ConflictException, NotFoundException } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DeliveryRepository, type Delivery } from '../delivery.repository';
import { DeliveryScheduler } from '../delivery-scheduler';
import { ReplayDeliveryCommand } from './replay-delivery.command';

/** POST /admin/deliveries/{id}/replay. Same body and webhook-id as before, so receivers can de-duplicate. */
@CommandHandler(ReplayDeliveryCommand)
export class ReplayDeliveryHandler implements ICommandHandler<ReplayDeliveryCommand, Delivery> {
  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly scheduler: DeliveryScheduler,
  ) {}

  async execute({ tenantId, deliveryId }: ReplayDeliveryCommand): Promise<Delivery> {
    const requeued = await this.deliveries.requeue(tenantId, { deliveryId });
    if (requeued.length === 0) {
      const existing = await this.deliveries.find(tenantId, deliveryId);
      if (!existing) throw new NotFoundException(`No delivery ${deliveryId}`);
      throw new ConflictException(`Delivery ${deliveryId} is still pending; it can be replayed once delivered or failed`);
    }
    this.scheduler.wake();
    return (await this.deliveries.find(tenantId, deliveryId)) as Delivery;
  }
}
