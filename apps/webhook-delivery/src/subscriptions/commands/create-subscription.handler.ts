import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { generateSigningSecret } from '../../domain/standard-webhooks-signer';
import { WebhookConfig } from '../../config/webhook.config';
import { SigningSecretVault } from '../signing-secret-vault';
import { SubscriptionRepository, type Subscription } from '../subscription.repository';
import { assertAcceptableSubscription } from '../subscription-rules';
import { CreateSubscriptionCommand } from './create-subscription.command';

export type CreatedSubscription = Subscription & { secret: string };

/** POST /admin/subscriptions: the signing secret is in this response only; it is stored encrypted. */
@CommandHandler(CreateSubscriptionCommand)
export class CreateSubscriptionHandler implements ICommandHandler<CreateSubscriptionCommand, CreatedSubscription> {
  constructor(
    private readonly subscriptions: SubscriptionRepository,
    private readonly vault: SigningSecretVault,
    private readonly config: WebhookConfig,
  ) {}

  async execute({ tenantId, fields }: CreateSubscriptionCommand): Promise<CreatedSubscription> {
    assertAcceptableSubscription(fields, this.config.WEBHOOK_ALLOW_HTTP);
    const secret = generateSigningSecret();
    const secretId = randomUUID();
    const sealed = this.vault.seal(secret, secretId);
    const subscriptionId = randomUUID();
    // Header values are often the target's credentials: sealed like the secret, bound to the subscription.
    const sealedHeaders = Object.keys(fields.customHeaders).length > 0 ? this.vault.sealHeaders(fields.customHeaders, subscriptionId) : null;
    const subscription = await this.subscriptions.transaction(async (tx) => {
      const created = await this.subscriptions.insert(tx, tenantId, fields, sealedHeaders, subscriptionId);
      await this.subscriptions.insertSecret(tx, tenantId, created.id, secretId, sealed);
      return created;
    });
    return { ...subscription, secret };
  }
}
