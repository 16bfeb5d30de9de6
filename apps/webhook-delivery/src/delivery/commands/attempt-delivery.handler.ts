import { Logger } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AuditWriter, type AuditEntry } from '@idsync/audit';
import { GroupCommit } from '@idsync/platform';
import { EntityManager } from 'typeorm';
import { WebhookConfig } from '../../config/webhook.config';
import { decideOutcome, failingTooLong, type AttemptResult, type DeliveryOutcome } from '../../domain/delivery-outcome';
import { signStandardWebhook } from '../../domain/standard-webhooks-signer';
import { SigningSecretVault } from '../../subscriptions/signing-secret-vault';
import { SubscriptionRepository } from '../../subscriptions/subscription.repository';
import { DeliveryRepository, type ClaimedDelivery } from '../delivery.repository';
import { attemptDuration, deliveryAttempts, subscriptionsDisabled } from '../delivery-metrics';
import { DeliveryScheduler } from '../delivery-scheduler';
import { WebhookHttpClient } from '../webhook-http-client';
import { AttemptDeliveryCommand } from './attempt-delivery.command';

/** Audit actions of final outcomes: delivered, dead-lettered (retries exhausted), failed permanently (410 Gone). */
const FINAL_OUTCOME_ACTIONS: Record<DeliveryOutcome['kind'], string | undefined> = {
  delivered: 'webhook.delivery.delivered',
  failed: 'webhook.delivery.dead_lettered',
  'endpoint-gone': 'webhook.delivery.failed',
  retry: undefined,
};

interface FinishedAttempt {
  delivery: ClaimedDelivery;
  result: AttemptResult;
  outcome: DeliveryOutcome;
}

interface Recorded {
  applied: boolean;
  disabledBecause: { kind: 'gone' | 'failing'; text: string } | undefined;
}

/**
 * Signs (Standard Webhooks) and POSTs the stored CloudEvent body, then records the attempt and its
 * outcome in one transaction: delivered, retry at the next point of the schedule, failed, or —
 * on 410 Gone, or after failing continuously for WEBHOOK_AUTO_DISABLE_AFTER_MS — with the
 * subscription disabled.
 *
 * Attempts that finish while a recording transaction runs are recorded together in the next one
 * (group commit): the same statements for the whole batch, and one audit append per tenant chain,
 * instead of a transaction and a chain-lock turn per delivery. An attempt still resolves only once
 * its own outcome is committed (its lease is released by that commit).
 */
@CommandHandler(AttemptDeliveryCommand)
export class AttemptDeliveryHandler implements ICommandHandler<AttemptDeliveryCommand, DeliveryOutcome> {
  private readonly logger = new Logger(AttemptDeliveryHandler.name);
  private readonly recorder = new GroupCommit<FinishedAttempt, Recorded>((batch) => this.recordBatch(batch), { maxBatch: 200 });

  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly subscriptions: SubscriptionRepository,
    private readonly vault: SigningSecretVault,
    private readonly http: WebhookHttpClient,
    private readonly scheduler: DeliveryScheduler,
    private readonly config: WebhookConfig,
  ) {}

  async execute({ delivery }: AttemptDeliveryCommand): Promise<DeliveryOutcome> {
    const result = await this.send(delivery);
    const outcome = decideOutcome(result, delivery.attemptNumber, this.scheduler.schedule);
    const { applied, disabledBecause } = await this.recorder.submit({ delivery, result, outcome });
    deliveryAttempts.inc({ outcome: applied ? outcome.kind : 'stale' });
    attemptDuration.observe(result.durationMs / 1000);
    if (disabledBecause) {
      subscriptionsDisabled.inc({ reason: disabledBecause.kind });
      this.logger.warn(`subscription ${delivery.subscriptionId} of tenant ${delivery.tenantId} disabled: ${disabledBecause.text}`);
    }
    if (applied && outcome.kind === 'retry') this.scheduler.wakeIn(outcome.delayMs);
    return outcome;
  }

  /**
   * One transaction for a batch of finished attempts: the attempts and outcomes (one statement),
   * endpoint health (one statement for endpoints whose attempts all succeeded; the failure path,
   * rare, per attempt as before, with any disable), then the audit records, last.
   */
  private recordBatch(batch: FinishedAttempt[]): Promise<Recorded[]> {
    return this.subscriptions.transaction(async (tx) => {
      const applied = await this.deliveries.recordAttempts(tx, batch.map((a) => ({ claimed: a.delivery, result: a.result, outcome: a.outcome })));
      const failingEndpoints = new Set(batch.filter((a) => applied.has(a.delivery.id) && a.outcome.kind !== 'delivered').map((a) => a.delivery.subscriptionId));
      const healthy = new Map<string, { tenantId: string; id: string }>();
      for (const a of batch) {
        if (applied.has(a.delivery.id) && !failingEndpoints.has(a.delivery.subscriptionId)) healthy.set(a.delivery.subscriptionId, { tenantId: a.delivery.tenantId, id: a.delivery.subscriptionId });
      }
      await this.subscriptions.clearFailing(tx, [...healthy.values()]);
      const audit: AuditEntry[] = [];
      const recorded: Recorded[] = [];
      for (const { delivery, result, outcome } of batch) {
        if (!applied.has(delivery.id)) {
          recorded.push({ applied: false, disabledBecause: undefined });
          continue;
        }
        const reason = failingEndpoints.has(delivery.subscriptionId) ? await this.disableReason(tx, delivery, result, outcome) : undefined;
        if (reason) {
          await this.subscriptions.disable(tx, delivery.tenantId, delivery.subscriptionId, reason.text);
          // The operator-visible event of an automatic disable, committed with it.
          audit.push({
            tenantId: delivery.tenantId,
            actorType: 'system',
            actorId: 'webhook-delivery',
            action: 'webhook.subscription.disabled',
            resourceType: 'WebhookSubscription',
            resourceId: delivery.subscriptionId,
            details: { reason: reason.kind, detail: reason.text },
          });
        }
        // A delivery's final outcome (not each retry) is audited.
        const finalAction = FINAL_OUTCOME_ACTIONS[outcome.kind];
        if (finalAction) {
          audit.push({
            tenantId: delivery.tenantId,
            actorType: 'system',
            actorId: 'webhook-delivery',
            action: finalAction,
            resourceType: 'WebhookDelivery',
            resourceId: delivery.id,
            outcome: outcome.kind === 'delivered' ? 'success' : 'failure',
            details: { subscriptionId: delivery.subscriptionId, eventType: delivery.eventType, attempts: delivery.attemptNumber, statusCode: result.statusCode ?? null },
          });
        }
        recorded.push({ applied: true, disabledBecause: reason });
      }
      // Last in the transaction: it takes the tenants' audit chain locks (held until commit).
      await AuditWriter.recordMany(tx, audit);
      return recorded;
    });
  }

  /** 410 Gone, or failing continuously for WEBHOOK_AUTO_DISABLE_AFTER_MS; also tracks failing_since. */
  private async disableReason(
    tx: EntityManager,
    delivery: ClaimedDelivery,
    result: AttemptResult,
    outcome: DeliveryOutcome,
  ): Promise<{ kind: 'gone' | 'failing'; text: string } | undefined> {
    if (outcome.kind === 'endpoint-gone') return { kind: 'gone', text: 'the endpoint answered 410 Gone' };
    const failingSince = await this.subscriptions.recordEndpointHealth(tx, delivery.tenantId, delivery.subscriptionId, outcome.kind === 'delivered', result.startedAt);
    if (failingSince && failingTooLong(failingSince, new Date(), this.config.WEBHOOK_AUTO_DISABLE_AFTER_MS)) {
      return { kind: 'failing', text: `every attempt has failed since ${failingSince.toISOString()} (WEBHOOK_AUTO_DISABLE_AFTER_MS)` };
    }
    return undefined;
  }

  /** Opened header values by subscription and ciphertext: opening them per attempt would cost a key unwrap each time. */
  private readonly openedHeaders = new Map<string, Record<string, string>>();

  private customHeaders(delivery: ClaimedDelivery): Record<string, string> {
    if (!delivery.sealedCustomHeaders) return delivery.customHeaders;
    const key = `${delivery.subscriptionId}\n${delivery.sealedCustomHeaders}`;
    let headers = this.openedHeaders.get(key);
    if (!headers) {
      headers = this.vault.openHeaders(delivery.sealedCustomHeaders, delivery.subscriptionId);
      if (this.openedHeaders.size >= 1_000) this.openedHeaders.clear();
      this.openedHeaders.set(key, headers);
    }
    return headers;
  }

  private async send(delivery: ClaimedDelivery): Promise<AttemptResult> {
    let secrets: string[];
    try {
      // Read by the claim (DeliveryRepository.claimDue); opened ones come from the vault's cache.
      secrets = delivery.signingSecrets.map((s) => this.vault.open(s.ciphertext, s.id));
    } catch (err) {
      // Nothing is sent unsigned: a missing or undecryptable secret is a failed attempt.
      return { startedAt: new Date(), durationMs: 0, error: `signing secret unavailable: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (secrets.length === 0) return { startedAt: new Date(), durationMs: 0, error: 'signing secret unavailable: the subscription has none' };
    let customHeaders: Record<string, string>;
    try {
      customHeaders = this.customHeaders(delivery);
    } catch (err) {
      // Sending without the target's credentials would only earn a 401: a failed attempt instead.
      return { startedAt: new Date(), durationMs: 0, error: `custom headers unavailable: ${err instanceof Error ? err.message : String(err)}` };
    }
    // Stable across retries and replays of this (event, subscription): receivers de-duplicate on it.
    const messageId = `msg_${delivery.id}`;
    const timestamp = Math.floor(Date.now() / 1000);
    return this.http.post(
      delivery.url,
      {
        ...customHeaders,
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
