import { Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { decideOutcome, type AttemptResult, type DeliveryOutcome } from '../../domain/delivery-outcome';
import { signStandardWebhook } from '../../domain/standard-webhooks-signer';
import { SigningSecretVault } from '../../subscriptions/signing-secret-vault';
import { SubscriptionRepository } from '../../subscriptions/subscription.repository';
import { DeliveryRepository } from '../delivery.repository';
import { attemptDuration, deliveryAttempts } from '../delivery-metrics';
import { DeliveryScheduler } from '../delivery-scheduler';
import { WebhookHttpClient } from '../webhook-http-client';
import { AttemptDeliveryCommand } from './attempt-delivery.command';

/**
 * Signs (Standard Webhooks) and POSTs the stored CloudEvent body, then records the attempt and its
 * outcome in one transaction: delivered, retry at the next point of the schedule, failed, or —
 * on 410 Gone — failed with the subscription disabled.
 */
@CommandHandler(AttemptDeliveryCommand)
export class AttemptDeliveryHandler implements ICommandHandler<AttemptDeliveryCommand, DeliveryOutcome> {
  private readonly logger = new Logger(AttemptDeliveryHandler.name);

  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly subscriptions: SubscriptionRepository,
    private readonly vault: SigningSecretVault,
    private readonly http: WebhookHttpClient,
    private readonly scheduler: DeliveryScheduler,
  ) {}

  async execute({ delivery }: AttemptDeliveryCommand): Promise<DeliveryOutcome> {
    const result = await this.send(delivery);
    const outcome = decideOutcome(result, delivery.attemptNumber, this.scheduler.schedule);
    const applied = await this.subscriptions.transaction(async (tx) => {
      const recorded = await this.deliveries.recordAttempt(tx, delivery, result, outcome);
      if (recorded && outcome.kind === 'endpoint-gone') {
        await this.subscriptions.disable(tx, delivery.tenantId, delivery.subscriptionId, 'the endpoint answered 410 Gone');
      }
      return recorded;
    });
    deliveryAttempts.inc({ outcome: applied ? outcome.kind : 'stale' });
    attemptDuration.observe(result.durationMs / 1000);
    if (outcome.kind === 'endpoint-gone') this.logger.warn(`subscription ${delivery.subscriptionId} disabled: its endpoint answered 410 Gone`);
    if (applied && outcome.kind === 'retry') this.scheduler.wakeIn(outcome.delayMs);
    return outcome;
  }

  private async send(delivery: AttemptDeliveryCommand['delivery']): Promise<AttemptResult> {
    let secrets: string[];
    try {
      const sealed = await this.subscriptions.signingSecrets(delivery.tenantId, delivery.subscriptionId);
      secrets = sealed.map((s) => this.vault.open(s.ciphertext, s.id));
    } catch (err) {
      // Nothing is sent unsigned: a missing or undecryptable secret is a failed attempt.
      return { startedAt: new Date(), durationMs: 0, error: `signing secret unavailable: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (secrets.length === 0) return { startedAt: new Date(), durationMs: 0, error: 'signing secret unavailable: the subscription has none' };
    // Stable across retries and replays of this (event, subscription): receivers de-duplicate on it.
    const messageId = `msg_${delivery.id}`;
    const timestamp = Math.floor(Date.now() / 1000);
    return this.http.post(
      delivery.url,
      {
        ...delivery.customHeaders,
        'content-type': 'application/cloudevents+json; charset=utf-8',
        'user-agent': 'idsync-webhooks/1',
        'webhook-id': messageId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signStandardWebhook(secrets, messageId, timestamp, delivery.payload),
      },
      delivery.payload,
    );
  }
}
