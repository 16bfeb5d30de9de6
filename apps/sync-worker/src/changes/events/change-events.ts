import type { IdentityEventType, ScimChangeRecord } from '@idsync/contracts';
import type { ReceivedRecord } from '../../kafka/received-record';

/** A change's events and current state were published and the change marked processed. */
export class IdentityEventsPublished {
  constructor(
    readonly change: ScimChangeRecord,
    readonly eventTypes: IdentityEventType[],
  ) {}
}

/** A change record already processed by this consumer group arrived again; nothing published. */
export class DuplicateScimChangeSkipped {
  constructor(readonly change: ScimChangeRecord) {}
}

/**
 * One attempt at a record failed and it will be retried (or, once the budget is spent, rejected).
 * `infrastructure`: a Kafka/PostgreSQL outage, retried without limit (isInfrastructureError).
 */
export class ScimChangeAttemptFailed {
  constructor(
    readonly record: ReceivedRecord,
    readonly attempt: number,
    readonly error: Error,
    readonly infrastructure = false,
  ) {}
}

/**
 * A record the worker gives up on: unparsable, invalid, or failing every attempt. The
 * dead-letter saga turns it into a DeadLetterRecordCommand.
 */
export class ScimChangeRecordRejected {
  constructor(
    readonly record: ReceivedRecord,
    readonly reason: string,
  ) {}
}
