import { NotFoundException } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { WebhookConfig } from '../../config/webhook.config';
import { DeliveryScheduler } from '../../delivery/delivery-scheduler';
import { SigningSecretVault } from '../signing-secret-vault';
import { resolveMaskedHeaders } from '../custom-headers';
import { SubscriptionRepository, type Subscription, type SubscriptionFields } from '../subscription.repository';
import { assertAcceptableSubscription } from '../subscription-rules';
import { UpdateSubscriptionCommand } from './update-subscription.command';

@CommandHandler(UpdateSubscriptionCommand)
export class UpdateSubscriptionHandler implements ICommandHandler<UpdateSubscriptionCommand, Subscription> {
  constructor(
    private readonly subscriptions: SubscriptionRepository,
    private readonly scheduler: DeliveryScheduler,
    private readonly config: WebhookConfig,
    private readonly vault: SigningSecretVault,
  ) {}

  async execute({ tenantId, subscriptionId, changes }: UpdateSubscriptionCommand): Promise<Subscription> {
    const current = await this.subscriptions.find(tenantId, subscriptionId);
    if (!current) throw new NotFoundException(`No subscription ${subscriptionId}`);
    const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) as Partial<SubscriptionFields>;
    // current.customHeaders is masked; only a request that sets headers needs the stored values.
    const stored = defined.customHeaders ? await this.subscriptions.storedHeaders(tenantId, subscriptionId, (c) => this.vault.openHeaders(c, subscriptionId)) : {};
    if (defined.customHeaders) defined.customHeaders = resolveMaskedHeaders(defined.customHeaders, stored);
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
    const sealedHeaders = defined.customHeaders
      ? Object.keys(defined.customHeaders).length > 0 ? this.vault.sealHeaders(defined.customHeaders, subscriptionId) : null
      : undefined;
    const updated = await this.subscriptions.update(tenantId, subscriptionId, fields, sealedHeaders);
    if (!updated) throw new NotFoundException(`No subscription ${subscriptionId}`);
    // Re-enabled: its pending deliveries are due again.
    if (updated.enabled) this.scheduler.wake();
    return updated;
  }
}
