import { NotFoundException } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { SubscriptionRepository } from '../subscription.repository';
import { DeleteSubscriptionCommand } from './delete-subscription.command';

@CommandHandler(DeleteSubscriptionCommand)
export class DeleteSubscriptionHandler implements ICommandHandler<DeleteSubscriptionCommand, void> {
  constructor(private readonly subscriptions: SubscriptionRepository) {}

  async execute({ tenantId, subscriptionId }: DeleteSubscriptionCommand): Promise<void> {
    if (!(await this.subscriptions.delete(tenantId, subscriptionId))) throw new NotFoundException(`No subscription ${subscriptionId}`);
  }
}
