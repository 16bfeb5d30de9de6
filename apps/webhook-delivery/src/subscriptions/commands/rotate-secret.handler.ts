import { NotFoundException } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { generateSigningSecret } from '../../domain/standard-webhooks-signer';
import { SigningSecretVault } from '../signing-secret-vault';
import { SubscriptionRepository } from '../subscription.repository';
import { RotateSecretCommand } from './rotate-secret.command';

export interface RotatedSecret {
  subscriptionId: string;
  secret: string;
  /** Until then webhooks carry a signature with the previous secret(s) as well. */
  previousSecretExpiresAt: string;
}

/**
 * POST /admin/subscriptions/{id}/rotate-secret. During the grace period every webhook carries
 * one `v1,` signature per live secret, so receivers can switch over at their own pace.
 */
@CommandHandler(RotateSecretCommand)
export class RotateSecretHandler implements ICommandHandler<RotateSecretCommand, RotatedSecret> {
  constructor(
    private readonly subscriptions: SubscriptionRepository,
    private readonly vault: SigningSecretVault,
  ) {}

  async execute({ tenantId, subscriptionId, gracePeriodSeconds }: RotateSecretCommand): Promise<RotatedSecret> {
    const secret = generateSigningSecret();
    const secretId = randomUUID();
    const sealed = this.vault.seal(secret, secretId);
    await this.subscriptions.transaction(async (tx) => {
      // Lock the subscription: two concurrent rotations then apply one after the other.
      const rows: unknown[] = await tx.query('SELECT id FROM webhook_subscriptions WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [tenantId, subscriptionId]);
      if (rows.length === 0) throw new NotFoundException(`No subscription ${subscriptionId}`);
      await this.subscriptions.expireSecrets(tx, tenantId, subscriptionId, gracePeriodSeconds);
      await this.subscriptions.insertSecret(tx, tenantId, subscriptionId, secretId, sealed);
    });
    return { subscriptionId, secret, previousSecretExpiresAt: new Date(Date.now() + gracePeriodSeconds * 1000).toISOString() };
  }
}
