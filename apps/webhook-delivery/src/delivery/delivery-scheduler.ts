import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { SpanKind, type Context } from '@opentelemetry/api';
import { extractTraceContext, inSpan, isTracingEnabled } from '@idsync/platform';
import type { DeliveryOutcome } from '../domain/delivery-outcome';
import { RetrySchedule } from '../domain/retry-schedule';
import { WebhookConfig } from '../config/webhook.config';
import { DeliveryRepository, type ClaimedDelivery } from './delivery.repository';
import { AttemptDeliveryCommand } from './commands/attempt-delivery.command';
import { setPendingDeliveryStatsSource } from './delivery-metrics';

/**
 * Claims due deliveries from PostgreSQL and runs their attempts.
 *
 * Our own rather than a job queue (BullMQ, pg-boss, …): the delivery record *is* the job — its
 * status, attempt count and next_attempt_at are the persisted schedule, so a restart loses
 * nothing, replay is one UPDATE, and the per-endpoint concurrency limit is enforced in the same
 * claim statement (FOR UPDATE SKIP LOCKED across replicas, see DeliveryRepository.claimDue).
 * A queue would add a second store (Redis) to keep consistent with these rows.
 *
 * Attempts run concurrently and are not awaited by the loop, so a slow endpoint only ever holds
 * its own max_concurrency slots. Leases outlive the longest possible attempt; a crashed replica's
 * leased deliveries become due again when their lease expires.
 */
@Injectable()
export class DeliveryScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  readonly schedule: RetrySchedule;
  private readonly logger = new Logger(DeliveryScheduler.name);
  private readonly leaseMs: number;
  private readonly inFlight = new Set<Promise<unknown>>();
  private timer: NodeJS.Timeout | undefined;
  private nextTickAt = Number.POSITIVE_INFINITY;
  private claiming = false;
  private wakeRequested = false;
  private stopped = true;

  constructor(
    private readonly config: WebhookConfig,
    private readonly deliveries: DeliveryRepository,
    private readonly commands: CommandBus,
  ) {
    this.schedule = RetrySchedule.parse(config.WEBHOOK_RETRY_SCHEDULE_MS, config.WEBHOOK_RETRY_JITTER);
    this.leaseMs = config.WEBHOOK_CONNECT_TIMEOUT_MS + config.WEBHOOK_RESPONSE_TIMEOUT_MS + 30_000;
  }

  onApplicationBootstrap(): void {
    this.stopped = false;
    setPendingDeliveryStatsSource(() => this.deliveries.pendingBySubscription());
    this.tickIn(0);
  }

  /** Claim now (new deliveries, a finished attempt freed a slot, a replay). */
  wake(): void {
    if (this.stopped) return;
    if (this.claiming) this.wakeRequested = true;
    else this.tickIn(0);
  }

  /** Claim again after `delayMs` if the poll would come later (short retry delays). */
  wakeIn(delayMs: number): void {
    if (!this.stopped) this.tickIn(delayMs);
  }

  /**
   * Runs before the HTTP pool and the database close (those close on application shutdown):
   * attempts under way get up to SHUTDOWN_GRACE_MS to be recorded; anything left keeps its lease
   * and is attempted again once the lease expires. Nothing due is lost: it is all in the table.
   */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    setPendingDeliveryStatsSource(undefined);
    if (this.timer) clearTimeout(this.timer);
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise((resolve) => (grace = setTimeout(resolve, this.config.SHUTDOWN_GRACE_MS))),
    ]);
    clearTimeout(grace);
  }

  private tickIn(delayMs: number): void {
    const at = Date.now() + delayMs;
    if (at >= this.nextTickAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.nextTickAt = at;
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    this.nextTickAt = Number.POSITIVE_INFINITY;
    if (this.stopped || this.claiming) return;
    this.claiming = true;
    try {
      do {
        this.wakeRequested = false;
        const free = this.config.WEBHOOK_MAX_IN_FLIGHT - this.inFlight.size;
        if (free <= 0) break;
        const claimed = await this.deliveries.claimDue(free, this.leaseMs);
        for (const delivery of claimed) this.track(this.attempt(delivery));
        if (claimed.length === free) this.wakeRequested = true;
      } while (this.wakeRequested && !this.stopped);
    } catch (err) {
      this.logger.error(`claiming due deliveries failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.claiming = false;
      if (!this.stopped) this.tickIn(this.config.WEBHOOK_POLL_MS);
    }
  }

  /**
   * One attempt, under a CLIENT span `webhook.attempt` that continues the event's trace (the
   * CloudEvents `traceparent` extension in the stored body); WebhookHttpClient adds the HTTP
   * status to it and sends its context to the endpoint as the `traceparent` header.
   */
  private attempt(delivery: ClaimedDelivery): Promise<DeliveryOutcome> {
    // Tracing off: no span (and no attributes object, context switch or span promise) per attempt.
    if (!isTracingEnabled()) return this.commands.execute(new AttemptDeliveryCommand(delivery));
    const attributes = {
      'idsync.tenant.id': delivery.tenantId,
      'idsync.webhook.subscription.id': delivery.subscriptionId,
      'idsync.webhook.delivery.id': delivery.id,
      'idsync.webhook.attempt': delivery.attemptNumber,
      'idsync.event.type': delivery.eventType,
    };
    return inSpan('webhook.attempt', { kind: SpanKind.CLIENT, attributes }, eventTraceContext(delivery.payload), async (span) => {
      const outcome: DeliveryOutcome = await this.commands.execute(new AttemptDeliveryCommand(delivery));
      span.setAttribute('idsync.webhook.outcome', outcome.kind);
      return outcome;
    });
  }

  private track(attempt: Promise<unknown>): void {
    const tracked = attempt
      .catch((err: unknown) => this.logger.error(`delivery attempt failed to complete: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => {
        this.inFlight.delete(tracked);
        this.wake();
      });
    this.inFlight.add(tracked);
  }
}

/** The trace context in a stored CloudEvent body (`traceparent`/`tracestate` attributes); parsed only when tracing is on. */
function eventTraceContext(payload: string): Context | undefined {
  if (!isTracingEnabled()) return undefined;
  try {
    const event = JSON.parse(payload) as Record<string, unknown> | null;
    if (event && typeof event === 'object') return extractTraceContext({ traceparent: event.traceparent, tracestate: event.tracestate });
  } catch {
    // Bodies are JSON we wrote; should one not parse, the attempt simply starts a new trace.
  }
  return extractTraceContext(undefined);
}
