import { NotFoundException } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { WebhookConfig } from '../../config/webhook.config';
import { DeliveryScheduler } from '../../delivery/delivery-scheduler';
import { SubscriptionRepository, type Subscription, type SubscriptionFields } from '../subscription.repository';
import { assertAcceptableSubscription } from '../subscription-rules';
import { UpdateSubscriptionCommand } from './update-subscription.command';

@CommandHandler(UpdateSubscriptionCommand)
export class UpdateSubscriptionHandler implements ICommandHandler<UpdateSubscriptionCommand, Subscription> {
  constructor(
    private readonly subscriptions: SubscriptionRepository,
    private readonly scheduler: DeliveryScheduler,
    private readonly config: WebhookConfig,
  ) {}

  async execute({ tenantId, subscriptionId, changes }: UpdateSubscriptionCommand): Promise<Subscription> {
    const current = await this.subscriptions.find(tenantId, subscriptionId);
    if (!current) throw new NotFoundException(`No subscription ${subscriptionId}`);
    const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) as Partial<SubscriptionFields>;
    const fields: SubscriptionFields = {
      url: current.url,
      eventTypes: current.eventTypes,
      description: current.description,
      enabled: current.enabled,
      maxConcurrency: current.maxConcurrency,
      rateLimitPerSecond: current.rateLimitPerSecond,
      customHeaders: current.customHeaders,
      orderedDelivery: current.orderedDelivery,
      resourceFilter: current.resourceFilter,
      attributeMapping: current.attributeMapping,
      ...defined,
    };
    assertAcceptableSubscription(fields, this.config.WEBHOOK_ALLOW_HTTP);
    const updated = await this.subscriptions.update(tenantId, subscriptionId, fields);
    if (!updated) throw new NotFoundException(`No subscription ${subscriptionId}`);
    // Re-enabled: its pending deliveries are due again.
    if (updated.enabled) this.scheduler.wake();
    return updated;
  }
}
