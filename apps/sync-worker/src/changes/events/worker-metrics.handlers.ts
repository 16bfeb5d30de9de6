import { Logger } from '@nestjs/common';
import { EventsHandler, type IEventHandler } from '@nestjs/cqrs';
import { Counter, Histogram } from 'prom-client';
import { DuplicateScimChangeSkipped, IdentityEventsPublished, ScimChangeAttemptFailed } from './change-events';

const changesProcessed = new Counter({
  name: 'idsync_worker_changes_total',
  help: 'Change records handled by sync-worker, by outcome (published, duplicate; dead letters: idsync_worker_dead_letters_total)',
  labelNames: ['outcome'],
});
const eventsPublished = new Counter({
  name: 'idsync_worker_events_published_total',
  help: 'Public identity events published, by CloudEvent type',
  labelNames: ['type'],
});
const commitToPublish = new Histogram({
  name: 'idsync_worker_commit_to_publish_seconds',
  help: "From a change's commit in scim-gateway (its occurredAt) to its events published by sync-worker",
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
});
const attemptFailures = new Counter({
  name: 'idsync_worker_attempt_failures_total',
  help: 'Failed attempts at processing an input record, by kind: infrastructure (Kafka/PostgreSQL outage, retried until it ends) or record (counts against WORKER_MAX_ATTEMPTS)',
  labelNames: ['kind'],
});

/** Side effects of the worker's domain events: metrics and logs (never needed for correctness). */
@EventsHandler(IdentityEventsPublished, DuplicateScimChangeSkipped, ScimChangeAttemptFailed)
export class WorkerMetricsHandler implements IEventHandler<IdentityEventsPublished | DuplicateScimChangeSkipped | ScimChangeAttemptFailed> {
  private readonly logger = new Logger('SyncWorker');

  handle(event: IdentityEventsPublished | DuplicateScimChangeSkipped | ScimChangeAttemptFailed): void {
    if (event instanceof IdentityEventsPublished) {
      changesProcessed.inc({ outcome: 'published' });
      const committedAt = Date.parse(event.change.occurredAt);
      if (Number.isFinite(committedAt)) commitToPublish.observe(Math.max(0, Date.now() - committedAt) / 1000);
      for (const type of event.eventTypes) eventsPublished.inc({ type });
    } else if (event instanceof DuplicateScimChangeSkipped) {
      changesProcessed.inc({ outcome: 'duplicate' });
      this.logger.log(`change ${event.change.changeId} already processed; skipped`);
    } else {
      attemptFailures.inc({ kind: event.infrastructure ? 'infrastructure' : 'record' });
      const retry = event.infrastructure ? 'infrastructure unavailable, retrying until it is back' : 'counts against WORKER_MAX_ATTEMPTS';
      this.logger.warn(`attempt ${event.attempt} at ${event.record.coordinates} failed (${retry}): ${event.error.name}: ${event.error.message}`);
    }
  }
}
