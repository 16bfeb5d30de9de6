import type { OnModuleDestroy } from '@nestjs/common';
import { CommandHandler, EventBus, type ICommandHandler } from '@nestjs/cqrs';
import { decodeOktaHookEventRecord, deriveOktaIdentityEvents, oktaMappingOf, oktaUserOf, type OktaHookEventRecord } from '@idsync/contracts';
import { ScimChangeAttemptFailed, ScimChangeRecordRejected } from '../../../changes/events/change-events';
import { ProcessedChangesLedger } from '../../../changes/processed-changes.ledger';
import { attemptWithBackoff } from '../../../changes/retry-backoff';
import { WorkerConfig } from '../../../config/worker.config';
import { RecordOutcomes } from '../../../kafka/record-outcomes';
import type { ReceivedRecord } from '../../../kafka/received-record';
import { OktaIdentityPublisher } from '../../okta-identity.publisher';
import { OktaSubjectLinker } from '../../okta-subject.linker';
import { OktaUserEnricher } from '../../okta-user.enricher';
import { oktaEventsPublished } from '../../okta.metrics';
import { HandleOktaEventRecordCommand } from './handle-okta-event-record.command';

/**
 * One accepted Okta event → its canonical event exactly once per consumer group, the same way
 * SCIM changes are handled: decode (a bad record is dead-lettered at once), skip a record id the
 * ledger has, fetch the Okta profile if the mapping needs it, link the Okta user to its SCIM User,
 * derive (pure; the id comes from the Okta event uuid), publish, record in the ledger. A
 * Kafka/PostgreSQL outage is retried until it ends; other failures WORKER_MAX_ATTEMPTS times, then
 * the record is dead-lettered.
 */
@CommandHandler(HandleOktaEventRecordCommand)
export class HandleOktaEventRecordHandler implements ICommandHandler<HandleOktaEventRecordCommand, void>, OnModuleDestroy {
  // Aborted on the first shutdown hook, before Nest stops the consumer, which awaits this record.
  private readonly stopping = new AbortController();

  constructor(
    private readonly config: WorkerConfig,
    private readonly ledger: ProcessedChangesLedger,
    private readonly enricher: OktaUserEnricher,
    private readonly linker: OktaSubjectLinker,
    private readonly publisher: OktaIdentityPublisher,
    private readonly outcomes: RecordOutcomes,
    private readonly events: EventBus,
  ) {}

  async execute({ record }: HandleOktaEventRecordCommand): Promise<void> {
    const decoded = decodeOktaHookEventRecord(record.value);
    if (!decoded.ok) return this.reject(record, `invalid Okta hook record: ${decoded.error}`);
    const lastError = await attemptWithBackoff(
      this.config,
      () => this.publishOnce(decoded.record, record),
      {
        // The same event as SCIM changes: one log line and idsync_worker_attempt_failures_total.
        onFailure: (attempt, error, infrastructure) => this.events.publish(new ScimChangeAttemptFailed(record, attempt, error, infrastructure)),
        heartbeat: () => record.heartbeat(),
      },
      this.stopping.signal,
    );
    if (lastError) return this.reject(record, `failed ${this.config.WORKER_MAX_ATTEMPTS} attempts: ${lastError.message}`);
  }

  onModuleDestroy(): void {
    this.stopping.abort();
  }

  private async publishOnce(okta: OktaHookEventRecord, record: ReceivedRecord): Promise<void> {
    const group = this.config.WORKER_GROUP_ID;
    const change = { changeId: okta.recordId, tenantId: okta.tenantId };
    if (await this.ledger.isProcessed(group, okta.recordId)) return;
    const rule = oktaMappingOf(okta.event.eventType);
    const user = oktaUserOf(okta.event);
    if (!rule || !user) {
      // Subscribed but not mapped (or no user in it): remembered as processed, nothing published.
      await this.ledger.markProcessed(group, change, record, 0);
      return;
    }
    const oktaUser = rule.needsProfile
      ? await this.enricher.profileOf({
          tenantId: okta.tenantId,
          oktaUserId: user.id,
          publishedMs: Date.parse(okta.event.published),
          changesUser: rule.changesUser,
          heartbeat: () => record.heartbeat(),
        })
      : undefined;
    const login = typeof oktaUser?.profile.login === 'string' ? oktaUser.profile.login : (user.alternateId ?? null);
    const subject = await this.linker.link(okta.tenantId, user.id, login);
    const derived = deriveOktaIdentityEvents(okta, { ...subject, oktaUser });
    await this.publisher.publish(derived);
    await this.ledger.markProcessed(group, change, record, derived.length);
    for (const e of derived) oktaEventsPublished.inc({ type: e.type });
  }

  private async reject(record: ReceivedRecord, reason: string): Promise<void> {
    // The dead-letter saga copies any rejected record byte for byte; it is not SCIM-specific.
    const deadLettered = this.outcomes.expect(record.coordinates);
    this.events.publish(new ScimChangeRecordRejected(record, reason));
    await deadLettered;
  }
}
