import 'reflect-metadata';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus, type IEvent } from '@nestjs/cqrs';
import { KafkaJSNumberOfRetriesExceeded, KafkaJSConnectionError } from 'kafkajs';
import type { IdentityEventType, ScimChangeRecord } from '@idsync/contracts';
import { WorkerConfig } from '../../../config/worker.config';
import { RecordOutcomes } from '../../../kafka/record-outcomes';
import { ReceivedRecord } from '../../../kafka/received-record';
import { DuplicateScimChangeSkipped, IdentityEventsPublished, ScimChangeAttemptFailed, ScimChangeRecordRejected } from '../../events/change-events';
import { IdentityStreamPublisher } from '../../identity-stream.publisher';
import { ProcessedChangesLedger } from '../../processed-changes.ledger';
import { HandleScimChangeRecordCommand } from './handle-scim-change-record.command';
import { HandleScimChangeRecordHandler } from './handle-scim-change-record.handler';

const change: ScimChangeRecord = {
  changeId: 'c1',
  tenantId: 't1',
  resourceType: 'User',
  resourceId: 'u1',
  operation: 'create',
  version: 1,
  occurredAt: '2026-01-02T03:04:05.000Z',
  actor: { type: 'system', id: 'test' },
  changedAttributes: ['userName'],
  resource: { id: 'u1', userName: 'a' },
  previous: null,
};

function record(value: string | null): ReceivedRecord {
  return new ReceivedRecord('in', 0, '7', Buffer.from('t1:u1'), value === null ? null : Buffer.from(value), {}, async () => undefined);
}

/** Stand-ins built on the real prototypes (the classes are nominal: private members). */
function fake<T extends object>(cls: { prototype: T }, methods: Partial<T>): T {
  return Object.assign(Object.create(cls.prototype) as T, methods);
}

interface Scenario {
  processed?: boolean;
  /** Publish fails this many times before succeeding. */
  publishFailures?: number;
  /** …with the broker unreachable (kafkajs gave up on its own retries) instead of a plain error. */
  brokerDown?: boolean;
}

function setUp({ processed = false, publishFailures = 0, brokerDown = false }: Scenario = {}) {
  const config = Object.assign(new WorkerConfig(), { WORKER_GROUP_ID: 'g', WORKER_MAX_ATTEMPTS: 3, WORKER_RETRY_INITIAL_MS: 1, WORKER_RETRY_MAX_MS: 2 });
  const outcomes = new RecordOutcomes();
  const published: IEvent[] = [];
  const marked: string[] = [];
  let publishCalls = 0;
  const ledger = fake(ProcessedChangesLedger, {
    isProcessed: async () => processed,
    markProcessed: async (_group: string, c: ScimChangeRecord) => {
      marked.push(c.changeId);
    },
  });
  const publisher = fake(IdentityStreamPublisher, {
    publish: async (): Promise<IdentityEventType[]> => {
      publishCalls++;
      if (publishCalls <= publishFailures && brokerDown) throw new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED'), { retryCount: 5, retryTime: 300 });
      if (publishCalls <= publishFailures) throw new Error(`broker unavailable #${publishCalls}`);
      return ['idsync.user.created'];
    },
  });
  // Plays the dead-letter saga: a rejection is settled as written.
  const events = fake(EventBus, {
    publish: <E extends IEvent>(event: E) => {
      published.push(event);
      if (event instanceof ScimChangeRecordRejected) setImmediate(() => outcomes.settle(event.record.coordinates));
    },
  });
  const handler = new HandleScimChangeRecordHandler(config, ledger, publisher, outcomes, events);
  return { handler, published, marked, calls: () => publishCalls };
}

describe('HandleScimChangeRecordHandler', () => {
  it('publishes a valid change, then marks it processed', async () => {
    const { handler, published, marked } = setUp();
    await handler.execute(new HandleScimChangeRecordCommand(record(JSON.stringify(change))));
    assert.deepEqual(marked, ['c1']);
    assert.equal(published.length, 1);
    assert.ok(published[0] instanceof IdentityEventsPublished);
  });

  it('skips a change already in the ledger without publishing', async () => {
    const { handler, published, calls, marked } = setUp({ processed: true });
    await handler.execute(new HandleScimChangeRecordCommand(record(JSON.stringify(change))));
    assert.equal(calls(), 0);
    assert.deepEqual(marked, []);
    assert.ok(published[0] instanceof DuplicateScimChangeSkipped);
  });

  it('rejects an invalid record at once (no attempts) and resolves only after the rejection is settled', async () => {
    const { handler, published, calls } = setUp();
    await handler.execute(new HandleScimChangeRecordCommand(record('not json')));
    assert.equal(calls(), 0);
    assert.equal(published.length, 1);
    const rejected = published[0];
    assert.ok(rejected instanceof ScimChangeRecordRejected);
    assert.match(rejected.reason, /^invalid change record: record value is not JSON/);
  });

  it('retries transient failures and succeeds within the attempts', async () => {
    const { handler, published, calls, marked } = setUp({ publishFailures: 2 });
    await handler.execute(new HandleScimChangeRecordCommand(record(JSON.stringify(change))));
    assert.equal(calls(), 3);
    assert.deepEqual(marked, ['c1']);
    assert.deepEqual(
      published.map((e) => e.constructor.name),
      ['ScimChangeAttemptFailed', 'ScimChangeAttemptFailed', 'IdentityEventsPublished'],
    );
  });

  it('rejects after WORKER_MAX_ATTEMPTS failures, naming the last error', async () => {
    const { handler, published, calls, marked } = setUp({ publishFailures: 99 });
    await handler.execute(new HandleScimChangeRecordCommand(record(JSON.stringify(change))));
    assert.equal(calls(), 3);
    assert.deepEqual(marked, []);
    assert.equal(published.filter((e) => e instanceof ScimChangeAttemptFailed).length, 3);
    const rejected = published.at(-1);
    assert.ok(rejected instanceof ScimChangeRecordRejected);
    assert.equal(rejected.reason, 'failed 3 attempts: broker unavailable #3');
  });

  it('retries a broker outage past WORKER_MAX_ATTEMPTS and publishes once it is back (nothing dead-lettered)', async () => {
    const { handler, published, calls, marked } = setUp({ publishFailures: 8, brokerDown: true });
    await handler.execute(new HandleScimChangeRecordCommand(record(JSON.stringify(change))));
    assert.equal(calls(), 9);
    assert.deepEqual(marked, ['c1']);
    const failures = published.filter((e) => e instanceof ScimChangeAttemptFailed);
    assert.equal(failures.length, 8);
    assert.ok(failures.every((e) => e.infrastructure));
    assert.equal(published.filter((e) => e instanceof ScimChangeRecordRejected).length, 0);
    assert.ok(published.at(-1) instanceof IdentityEventsPublished);
  });

  it('stops retrying an outage on shutdown without a verdict (rejects: the offset stays uncommitted)', async () => {
    const { handler, published } = setUp({ publishFailures: 1_000, brokerDown: true });
    const running = handler.execute(new HandleScimChangeRecordCommand(record(JSON.stringify(change))));
    await new Promise((r) => setTimeout(r, 20));
    handler.onModuleDestroy();
    await assert.rejects(running, /shutting down/);
    assert.equal(published.filter((e) => e instanceof ScimChangeRecordRejected).length, 0);
  });

  it('fails (offset stays uncommitted) when the dead letter cannot be written', async () => {
    const outcomes = new RecordOutcomes();
    // The "saga" reports a failed dead-letter write.
    const failing = new HandleScimChangeRecordHandler(
      Object.assign(new WorkerConfig(), { WORKER_MAX_ATTEMPTS: 1 }),
      fake(ProcessedChangesLedger, {}),
      fake(IdentityStreamPublisher, {}),
      outcomes,
      fake(EventBus, {
        publish: <E extends IEvent>(event: E) => {
          if (event instanceof ScimChangeRecordRejected) setImmediate(() => outcomes.settle(event.record.coordinates, new Error('dead-letter topic unavailable')));
        },
      }),
    );
    await assert.rejects(failing.execute(new HandleScimChangeRecordCommand(record(null))), /dead-letter topic unavailable/);
  });
});
