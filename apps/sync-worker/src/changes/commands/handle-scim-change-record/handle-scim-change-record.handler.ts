import { setTimeout as sleep } from 'node:timers/promises';
import { CommandHandler, EventBus, type ICommandHandler } from '@nestjs/cqrs';
import { decodeScimChangeRecord, type ScimChangeRecord } from '@idsync/contracts';
import { WorkerConfig } from '../../../config/worker.config';
import { RecordOutcomes } from '../../../kafka/record-outcomes';
import type { ReceivedRecord } from '../../../kafka/received-record';
import { DuplicateScimChangeSkipped, IdentityEventsPublished, ScimChangeAttemptFailed, ScimChangeRecordRejected } from '../../events/change-events';
import { IdentityStreamPublisher } from '../../identity-stream.publisher';
import { ProcessedChangesLedger } from '../../processed-changes.ledger';
import { retryBackoffMs } from '../../retry-backoff';
import { HandleScimChangeRecordCommand } from './handle-scim-change-record.command';

/**
 * One input record → its effect exactly once per consumer group:
 * 1. decode + validate; a bad record is rejected at once (retrying cannot fix it);
 * 2. skip a change id the ledger already has (redelivery, or the same change republished);
 * 3. publish events + current state in one batch, then record the change id in the ledger;
 * 4. transient failures retry with backoff; after WORKER_MAX_ATTEMPTS the record is rejected.
 * Rejection goes through the dead-letter saga and is awaited, so this resolves — and Nest lets
 * kafkajs commit the offset — only after the dead letter is written. If publishing succeeded but
 * the ledger write failed, a retry republishes identical events (same ids): consumers dedupe on id.
 */
@CommandHandler(HandleScimChangeRecordCommand)
export class HandleScimChangeRecordHandler implements ICommandHandler<HandleScimChangeRecordCommand, void> {
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
    const maxAttempts = this.config.WORKER_MAX_ATTEMPTS;
    let lastError = new Error('not attempted');
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      try {
        await this.publishOnce(decoded.record, record);
        return;
      } catch (err) {
        lastError = err instanceof Error ? err : new Error(String(err));
        this.events.publish(new ScimChangeAttemptFailed(record, attempt, lastError));
        if (attempt < maxAttempts) {
          await sleep(retryBackoffMs(attempt, this.config.WORKER_RETRY_INITIAL_MS, this.config.WORKER_RETRY_MAX_MS));
          // Keeps the group membership alive during long backoffs; a failed heartbeat (rebalance)
          // only means the offset commit may fail and the record comes back — the ledger dedupes it.
          await record.heartbeat().catch(() => undefined);
        }
      }
    }
    return this.reject(record, `failed ${maxAttempts} attempts: ${lastError.message}`);
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
