import type { OnModuleDestroy } from '@nestjs/common';
import { CommandHandler, EventBus, type ICommandHandler } from '@nestjs/cqrs';
import { decodeScimChangeRecord, type ScimChangeRecord } from '@idsync/contracts';
import { WorkerConfig } from '../../../config/worker.config';
import { RecordOutcomes } from '../../../kafka/record-outcomes';
import type { ReceivedRecord } from '../../../kafka/received-record';
import { DuplicateScimChangeSkipped, IdentityEventsPublished, ScimChangeAttemptFailed, ScimChangeRecordRejected } from '../../events/change-events';
import { IdentityStreamPublisher } from '../../identity-stream.publisher';
import { ProcessedChangesLedger } from '../../processed-changes.ledger';
import { attemptWithBackoff } from '../../retry-backoff';
import { HandleScimChangeRecordCommand } from './handle-scim-change-record.command';

/**
 * One input record → its effect exactly once per consumer group:
 * 1. decode + validate; a bad record is rejected at once (retrying cannot fix it);
 * 2. skip a change id the ledger already has (redelivery, or the same change republished);
 * 3. publish events + current state in one batch, then record the change id in the ledger;
 * 4. failures retry with backoff: a Kafka/PostgreSQL outage until it ends, anything else until
 *    WORKER_MAX_ATTEMPTS, then the record is rejected. Shutdown ends the wait without a verdict
 *    (the offset stays uncommitted).
 * Rejection goes through the dead-letter saga and is awaited, so this resolves — and Nest lets
 * kafkajs commit the offset — only after the dead letter is written. If publishing succeeded but
 * the ledger write failed, a retry republishes identical events (same ids): consumers dedupe on id.
 */
@CommandHandler(HandleScimChangeRecordCommand)
export class HandleScimChangeRecordHandler implements ICommandHandler<HandleScimChangeRecordCommand, void>, OnModuleDestroy {
  // Aborted on the first shutdown hook, before Nest stops the consumer, which awaits this record.
  private readonly stopping = new AbortController();

  constructor(
    private readonly config: WorkerConfig,
    private readonly ledger: ProcessedChangesLedger,
    private readonly publisher: IdentityStreamPublisher,
    private readonly outcomes: RecordOutcomes,
    private readonly events: EventBus,
  ) {}

  async execute({ record }: HandleScimChangeRecordCommand): Promise<void> {
    const decoded = decodeScimChangeRecord(record.value);
    if (!decoded.ok) return this.reject(record, `invalid change record: ${decoded.error}`);
    const lastError = await attemptWithBackoff(
      this.config,
      () => this.publishOnce(decoded.record, record),
      {
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

  private async publishOnce(change: ScimChangeRecord, record: ReceivedRecord): Promise<void> {
    const group = this.config.WORKER_GROUP_ID;
    if (await this.ledger.isProcessed(group, change.changeId)) {
      this.events.publish(new DuplicateScimChangeSkipped(change));
      return;
    }
    const eventTypes = await this.publisher.publish(change);
    await this.ledger.markProcessed(group, change, record, eventTypes.length);
    this.events.publish(new IdentityEventsPublished(change, eventTypes));
  }

  private async reject(record: ReceivedRecord, reason: string): Promise<void> {
    const deadLettered = this.outcomes.expect(record.coordinates);
    this.events.publish(new ScimChangeRecordRejected(record, reason));
    await deadLettered;
  }
}
