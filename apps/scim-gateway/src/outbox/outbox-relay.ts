import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client as PgClient, type Pool, type QueryResult } from 'pg';
import type { Message, Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { SpanKind, type Span } from '@opentelemetry/api';
import { compressionFor, createKafkaClient, extractTraceContext, idsyncTracer, injectSpanContext, recordSpanError } from '@idsync/platform';
import { GatewayConfig } from '../config/gateway.config';
import { OUTBOX_CHANNEL } from './outbox-writer';

interface OutboxRow {
  id: string;
  topic: string;
  message_key: string;
  payload: unknown;
  headers: Record<string, string>;
  /** `traceparent`/`tracestate` of the write (NULL: untraced). */
  trace_context: Record<string, string> | null;
}

// One relay publishes at a time (a transaction-scoped advisory lock), so replicas never reorder
// a resource's changes; the others wait as hot standbys. Batching keeps one relay fast enough.
const RELAY_LOCK_ID = 0x1d5c_0001;

// A relay that finds the lock taken after a local commit NOTIFYs the holder (which then drains
// again), at most once per this window while such commits keep coming: each NOTIFY's commit takes
// PostgreSQL's global notify-queue lock, which is why SCIM write transactions no longer NOTIFY.
const NOTIFY_WINDOW_MS = 5;

/**
 * Publishes committed outbox rows to Kafka with an idempotent producer (acks=all), in commit
 * order, and marks them published in the same database transaction that locked them. If Kafka
 * is down the transaction rolls back and the relay retries with backoff; SCIM writes go on.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly producer: Producer;
  private producerConnected = false;
  private listener: PgClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private failures = 0;
  /** A local write committed since the current drain round began (set by OutboxWakeup). */
  private localCommit = false;
  private notifying = false;
  private notifyAgain = false;
  /** NOTIFY payload: this relay ignores its own notifications. */
  private readonly instanceId = randomUUID();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: GatewayConfig,
  ) {
    this.producer = createKafkaClient(config, 'idsync-scim-gateway-relay').producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.listen().catch((err: unknown) => {
      this.logger.warn(`LISTEN failed, polling until it can reconnect: ${String(err)}`);
      void this.relisten();
    });
    this.schedule(0);
  }

  /**
   * After a local commit that enqueued rows (OutboxWakeup): drain now. If another replica's relay
   * holds the lock, that relay is NOTIFYed so it drains again after its batch.
   */
  wakeForLocalCommit(): void {
    this.localCommit = true;
    this.wake();
  }

  /** Runs one drain now (or right after the current one); used by NOTIFY, the poll timer and tests. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((err: unknown) => {
        this.failures++;
        this.logger.warn(`outbox publish failed (attempt ${this.failures}): ${err instanceof Error ? err.message : String(err)}`);
      })
      .finally(() => {
        this.running = undefined;
        if (this.again && this.failures === 0) {
          this.again = false;
          this.wake();
        } else {
          this.again = false;
          // Capped at 5 s: a broker that comes back is noticed within seconds even when no write wakes us.
          this.schedule(this.failures === 0 ? this.config.OUTBOX_POLL_MS : Math.min(5_000, 200 * 2 ** Math.min(this.failures, 8)));
        }
      });
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.wake(), ms);
  }

  /**
   * Keeps one LISTEN connection. pg emits 'error' more than once for one lost connection (the
   * server's FATAL, then "terminated unexpectedly"), so a lost client triggers exactly one
   * reconnect loop, which retries with backoff until Postgres is back (the poll covers the gap),
   * then wakes the relay for NOTIFYs missed meanwhile.
   */
  private async listen(): Promise<void> {
    const opts = this.db.options as { url?: string };
    const client = new PgClient({ connectionString: opts.url, application_name: 'idsync-outbox-listener' });
    let lost = false;
    const onLost = (reason: string) => {
      if (lost) return;
      lost = true;
      if (this.listener === client) this.listener = undefined;
      void client.end().catch(() => undefined);
      if (this.stopped) return;
      this.logger.warn(`LISTEN connection lost (${reason}); reconnecting`);
      void this.relisten();
    };
    client.on('notification', (msg) => {
      if (msg.payload !== this.instanceId) this.wake();
    });
    client.on('error', (err) => onLost(err.message));
    client.on('end', () => onLost('connection ended'));
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    } catch (err) {
      lost = true; // a failed attempt is retried by the caller, not by these handlers
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.listener = client;
  }

  private async relisten(): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt++) {
      // unref: a pending retry must not keep a shutting-down process alive.
      await new Promise((r) => setTimeout(r, Math.min(10_000, 250 * 2 ** Math.min(attempt, 6))).unref());
      if (this.stopped) return;
      try {
        await this.listen();
        this.logger.log(`LISTEN re-established after ${attempt} attempt(s)`);
        this.wake();
        return;
      } catch (err) {
        this.logger.warn(`LISTEN reconnect attempt ${attempt} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  /** Publishes batches until the outbox is empty or another relay holds the lock. */
  private async drain(): Promise<void> {
    for (;;) {
      const afterLocalCommit = this.localCommit;
      this.localCommit = false;
      const { published, locked } = await this.publishBatch();
      this.failures = 0;
      if (!locked) {
        // The holder's batch may have been read before our commit: make it look again.
        if (afterLocalCommit) this.notifyLockHolder();
        return;
      }
      if (published < this.config.OUTBOX_BATCH_SIZE) return;
    }
  }

  /** One NOTIFY outside any transaction, coalesced: at most one per round trip + NOTIFY_WINDOW_MS. */
  private notifyLockHolder(): void {
    if (this.stopped) return;
    if (this.notifying) {
      this.notifyAgain = true;
      return;
    }
    this.notifying = true;
    const pool = (this.db.driver as unknown as { master: Pool }).master;
    void pool
      .query('SELECT pg_notify($1, $2)', [OUTBOX_CHANNEL, this.instanceId])
      .catch((err: unknown) => this.logger.warn(`outbox NOTIFY failed (the poll covers it): ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => {
        setTimeout(() => {
          this.notifying = false;
          if (this.notifyAgain) {
            this.notifyAgain = false;
            this.notifyLockHolder();
          }
        }, NOTIFY_WINDOW_MS).unref();
      });
  }

  /**
   * One batch in one transaction, in two database round trips instead of five (the relay shares
   * the gateway's event loop, and each round trip waits behind HTTP work): BEGIN, the lock and the
   * SELECT go as one simple-protocol query (the lock's result also comes back on its own, so a
   * relay knows another one holds it), UPDATE and COMMIT as another (ids are bigints read
   * from the table, so inlining them is safe). The lock is an InitPlan: a standby evaluates it once
   * and scans nothing. synchronous_commit=off for this transaction only: a marking lost in a
   * PostgreSQL crash re-publishes those rows (at-least-once; the worker's ledger dedupes) — it
   * spares every batch a WAL flush before the next one can start.
   */
  private async publishBatch(): Promise<{ published: number; locked: boolean }> {
    const pool = (this.db.driver as unknown as { master: Pool }).master;
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      const results = (await client.query(
        `BEGIN; SET LOCAL synchronous_commit = off;
         SELECT pg_try_advisory_xact_lock(${RELAY_LOCK_ID}) AS locked;
         SELECT id, topic, message_key, payload, headers, trace_context FROM outbox
          WHERE published_at IS NULL AND (SELECT pg_try_advisory_xact_lock(${RELAY_LOCK_ID}))
          ORDER BY id LIMIT ${this.config.OUTBOX_BATCH_SIZE} FOR UPDATE SKIP LOCKED`,
      )) as unknown as QueryResult[];
      const rows = results[3].rows as OutboxRow[];
      // The InitPlan re-takes the (re-entrant) lock: rows mean it is held even if the first try lost a race.
      const locked = results[2].rows[0]?.locked === true || rows.length > 0;
      const ids = rows.map((r) => String(r.id));
      if (!ids.every((id) => /^\d+$/.test(id))) throw new Error('outbox id is not an integer');
      if (rows.length > 0) await this.publish(rows);
      await client.query(
        rows.length > 0 ? `UPDATE outbox SET published_at = now(), attempts = attempts + 1 WHERE id = ANY('{${ids.join(',')}}'::bigint[]); COMMIT` : 'COMMIT',
      );
      return { published: rows.length, locked };
    } catch (err) {
      // Roll back on this connection; if even that fails, the pool discards it.
      await client.query('ROLLBACK').catch((rollbackErr: unknown) => {
        broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
      });
      throw err;
    } finally {
      client.release(broken);
    }
  }

  private async publish(rows: OutboxRow[]): Promise<void> {
    // Connects on first use and again after a failed connect (a broker outage at start-up is a
    // retried batch); once connected, kafkajs reconnects by itself.
    if (!this.producerConnected) {
      await this.producer.connect();
      this.producerConnected = true;
    }
    // Rows keep their commit order within each topic; kafkajs preserves order per partition.
    const byTopic = new Map<string, OutboxRow[]>();
    for (const row of rows) {
      const list = byTopic.get(row.topic);
      if (list) list.push(row);
      else byTopic.set(row.topic, [row]);
    }
    for (const [topic, topicRows] of byTopic) {
      // One PRODUCER span per record, continuing the trace of the SCIM write that stored it; its
      // context goes out as the record's traceparent header (no-op spans when tracing is off).
      const spans = topicRows.map((r) => this.relaySpan(topic, r));
      const messages: Message[] = topicRows.map((r, i) => ({
        key: r.message_key,
        value: typeof r.payload === 'string' ? r.payload : JSON.stringify(r.payload),
        headers: { ...r.headers, ...injectSpanContext(spans[i]), 'idsync-outbox-id': String(r.id) },
      }));
      const bytes = messages.reduce((sum, m) => sum + (m.value as string).length, 0);
      try {
        await this.producer.send({ topic, messages, acks: -1, compression: compressionFor(bytes) });
      } catch (err) {
        for (const span of spans) recordSpanError(span, err);
        throw err;
      } finally {
        for (const span of spans) span.end();
      }
    }
  }

  private relaySpan(topic: string, row: OutboxRow): Span {
    return idsyncTracer().startSpan(
      'outbox.relay',
      { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'kafka', 'messaging.operation.type': 'send', 'messaging.destination.name': topic, 'idsync.outbox.id': String(row.id) } },
      extractTraceContext(row.trace_context),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await this.listener?.end().catch(() => undefined);
    if (this.producerConnected) await this.producer.disconnect();
  }
}
