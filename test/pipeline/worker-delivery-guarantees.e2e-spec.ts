import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import type { IHeaders } from 'kafkajs';
import { register } from 'prom-client';
import { TOPICS, scimChangeKey, type ScimChangeRecord } from '@idsync/contracts';
import { waitFor } from '@idsync/testing';
import { WorkerConfig } from '../../apps/sync-worker/src/config/worker.config';
import { startPipeline, type PipelineHarness, type ReadRecord } from './pipeline-harness';

const MAX_ATTEMPTS = 3;

function userChange(tenantId: string, resourceId: string, version: number): ScimChangeRecord {
  return {
    changeId: randomUUID(),
    tenantId,
    resourceType: 'User',
    resourceId,
    operation: version === 1 ? 'create' : 'patch',
    version,
    occurredAt: new Date().toISOString(),
    actor: { type: 'system', id: 'test' },
    changedAttributes: ['userName'],
    resource: { id: resourceId, userName: `${resourceId}@example.com`, active: true },
    previous: version === 1 ? null : { active: true },
  };
}

/** Failed attempts the worker counted as an infrastructure outage (its metric; the worker runs in this process). */
async function infrastructureFailures(): Promise<number> {
  const metric = register.getSingleMetric('idsync_worker_attempt_failures_total');
  const values = metric ? (await metric.get()).values : [];
  return values.filter((v) => v.labels.kind === 'infrastructure').reduce((sum, v) => sum + v.value, 0);
}

/** A TCP forwarder to PostgreSQL that can refuse connections and drop the open ones, then come back on the same port. */
class TcpProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private port = 0;

  private constructor(private readonly target: { host: string; port: number }) {}

  static async to(url: URL): Promise<TcpProxy> {
    const proxy = new TcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
    await proxy.up();
    return proxy;
  }

  url(direct: string): string {
    const url = new URL(direct);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  async up(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  close(): Promise<void> {
    return this.down();
  }
}

// Records written straight to idsync.scim.changes.v1 (as the relay would, or as a broken producer
// might): duplicates, poison values, a record arriving during a database outage, and a record
// that fails every attempt for another reason.
describe('sync-worker: exactly-once effect, dead letters, partitions keep moving', () => {
  let pipeline: PipelineHarness;
  let dbProxy: TcpProxy | undefined;

  before(async () => {
    pipeline = await startPipeline('pipeline_worker', { WORKER_MAX_ATTEMPTS: String(MAX_ATTEMPTS), WORKER_RETRY_INITIAL_MS: '50', WORKER_RETRY_MAX_MS: '200' });
  });

  after(async () => {
    await pipeline?.close();
    await dbProxy?.close();
  });

  async function send(key: string, value: string | Buffer | null, headers: IHeaders = {}): Promise<{ partition: number; offset: string }> {
    const [meta] = await pipeline.producer.send({ topic: pipeline.inputTopic, messages: [{ key, value, headers }] });
    return { partition: meta.partition, offset: meta.baseOffset ?? '' };
  }

  const eventsOf = (changeId: string) => pipeline.reader.events((e) => e.ce.changeid === changeId);

  const deadLetterAt = (offset: { partition: number; offset: string }) =>
    pipeline.reader
      .on(TOPICS.deadLetter)
      .find((r) => r.headers['idsync-dlq-original-partition'] === String(offset.partition) && r.headers['idsync-dlq-original-offset'] === offset.offset);

  async function deadLetter(offset: { partition: number; offset: string }): Promise<ReadRecord> {
    return waitFor(() => deadLetterAt(offset), { timeoutMs: 30_000, what: `dead letter of ${offset.partition}@${offset.offset}` },
    );
  }

  it('the same change record published twice yields one set of events', async () => {
    const tenantId = randomUUID();
    const resourceId = randomUUID();
    const key = scimChangeKey(tenantId, resourceId);
    const first = userChange(tenantId, resourceId, 1);
    await send(key, JSON.stringify(first));
    await send(key, JSON.stringify(first));
    const marker = userChange(tenantId, resourceId, 2);
    await send(key, JSON.stringify(marker));
    // Same key → same partition, in order: once the marker is out, both copies were handled.
    await pipeline.reader.waitForEvents((e) => e.ce.changeid === marker.changeId, 1, 'the marker event');
    assert.deepEqual(
      eventsOf(first.changeId).map((e) => [e.ce.id, e.ce.type]),
      [[`${first.changeId}:0`, 'idsync.user.created']],
    );
    const stateRecords = pipeline.reader.on(TOPICS.users).filter((r) => r.key === key);
    assert.equal(stateRecords.length, 2, 'one current-state record per distinct change');
    const ledger = (await pipeline.gateway.dataSource.query('SELECT consumer_group, event_count FROM worker_processed_changes WHERE change_id = $1', [first.changeId])) as Array<{
      consumer_group: string;
      event_count: number;
    }>;
    assert.deepEqual(ledger, [{ consumer_group: `${pipeline.prefix}-worker`, event_count: 1 }]);
  });

  it('poison records (not JSON, broken JSON, invalid record, null) are dead-lettered as they were; the next record on the partition is processed', async () => {
    const tenantId = randomUUID();
    const resourceId = randomUUID();
    const key = scimChangeKey(tenantId, resourceId);
    const notJson = await send(key, 'not json at all', { 'x-trace': 'trace-1' });
    const brokenJson = await send(key, '{"changeId": ');
    const invalid = await send(key, JSON.stringify({ changeId: 'x', tenantId, resourceType: 'Device' }));
    const nullValue = await send(key, null);
    const valid = userChange(tenantId, resourceId, 1);
    await send(key, JSON.stringify(valid));

    await pipeline.reader.waitForEvents((e) => e.ce.changeid === valid.changeId, 1, 'the valid record after the poison ones');

    const first = await deadLetter(notJson);
    assert.equal(first.key, key);
    assert.equal(first.value, 'not json at all');
    assert.equal(first.headers['x-trace'], 'trace-1', 'original headers kept');
    assert.equal(first.headers['idsync-dlq-original-topic'], pipeline.inputTopic);
    assert.match(first.headers['idsync-dlq-error'], /not JSON/);
    assert.ok(!Number.isNaN(Date.parse(first.headers['idsync-dlq-failed-at'])));

    const broken = await deadLetter(brokenJson);
    assert.equal(broken.value, '{"changeId": ');
    assert.match(broken.headers['idsync-dlq-error'], /not JSON/);

    const invalidLetter = await deadLetter(invalid);
    assert.match(invalidLetter.headers['idsync-dlq-error'], /invalid change record: resourceType/);

    const nullLetter = await deadLetter(nullValue);
    assert.equal(nullLetter.value, null);
    assert.match(nullLetter.headers['idsync-dlq-error'], /null/);
  });

  it('a record arriving while the database is unavailable waits — retried well past WORKER_MAX_ATTEMPTS — and is processed exactly once when it is back; nothing is dead-lettered', async () => {
    const tenantId = randomUUID();
    const resourceId = randomUUID();
    const key = scimChangeKey(tenantId, resourceId);
    // The worker reaches PostgreSQL through a proxy the test can take down (the gateway and the
    // test keep their direct connections): refused connections and dropped sockets, as in a restart.
    // Its config object is made once per process (AppConfigModule.forRoot at import) and shared by
    // every worker app started here, so the restarted worker is pointed at the proxy through it.
    const workerConfig = pipeline.worker.get(WorkerConfig);
    const direct = workerConfig.DATABASE_URL;
    dbProxy = await TcpProxy.to(new URL(direct));
    workerConfig.DATABASE_URL = dbProxy.url(direct);
    try {
      await pipeline.restartWorker();
    } finally {
      workerConfig.DATABASE_URL = direct;
    }
    const warmUp = userChange(tenantId, resourceId, 1);
    await send(key, JSON.stringify(warmUp));
    await pipeline.reader.waitForEvents((e) => e.ce.changeid === warmUp.changeId, 1, 'a change through the proxied worker');

    const waiting = userChange(tenantId, resourceId, 2);
    const failuresBefore = await infrastructureFailures();
    await dbProxy.down();
    let at: { partition: number; offset: string };
    try {
      at = await send(key, JSON.stringify(waiting));
      // Three times the budget of attempts, each failing on the unreachable database.
      await waitFor(async () => (await infrastructureFailures()) >= failuresBefore + 3 * MAX_ATTEMPTS, {
        timeoutMs: 30_000,
        what: `${3 * MAX_ATTEMPTS} failed attempts while the database is down`,
      });
      assert.deepEqual(eventsOf(waiting.changeId), [], 'nothing published while the database is down');
      assert.equal(deadLetterAt(at), undefined, 'not dead-lettered while the database is down');
    } finally {
      await dbProxy.up();
    }
    const next = userChange(tenantId, resourceId, 3);
    await send(key, JSON.stringify(next));
    await pipeline.reader.waitForEvents((e) => e.ce.changeid === next.changeId, 1, 'the record after the waiting one');
    assert.deepEqual(
      eventsOf(waiting.changeId).map((e) => e.ce.id),
      [`${waiting.changeId}:0`],
      'the waiting change published exactly once, before the next one',
    );
    assert.equal(deadLetterAt(at), undefined, 'never dead-lettered');
  });

  it(`a record failing for a reason that is not an outage (the ledger table is missing) is dead-lettered after ${MAX_ATTEMPTS} attempts; later records are processed once it is fixed`, async () => {
    const tenantId = randomUUID();
    const resourceId = randomUUID();
    const key = scimChangeKey(tenantId, resourceId);
    const ds = pipeline.gateway.dataSource;
    const doomed = userChange(tenantId, resourceId, 1);
    await ds.query('ALTER TABLE worker_processed_changes RENAME TO worker_processed_changes_away');
    let restored = false;
    try {
      const at = await send(key, JSON.stringify(doomed));
      const letter = await deadLetter(at);
      assert.match(letter.headers['idsync-dlq-error'], new RegExp(`failed ${MAX_ATTEMPTS} attempts: .*worker_processed_changes`));
      assert.equal(letter.value, JSON.stringify(doomed));
      await ds.query('ALTER TABLE worker_processed_changes_away RENAME TO worker_processed_changes');
      restored = true;
      const next = userChange(tenantId, resourceId, 2);
      await send(key, JSON.stringify(next));
      await pipeline.reader.waitForEvents((e) => e.ce.changeid === next.changeId, 1, 'the record after the dead-lettered one');
      assert.deepEqual(eventsOf(doomed.changeId), [], 'nothing was published for the dead-lettered change');
    } finally {
      if (!restored) await ds.query('ALTER TABLE IF EXISTS worker_processed_changes_away RENAME TO worker_processed_changes');
    }
  });

  it('a worker restart mid-stream loses nothing and publishes every change once', async (t) => {
    const tenantId = randomUUID();
    const changes = Array.from({ length: 300 }, () => userChange(tenantId, randomUUID(), 1));
    await pipeline.producer.send({
      topic: pipeline.inputTopic,
      messages: changes.map((c) => ({ key: scimChangeKey(c.tenantId, c.resourceId), value: JSON.stringify(c) })),
    });
    // Restart as soon as the first events are out, while the rest are still being processed.
    await pipeline.reader.waitForEvents((e) => e.ce.tenantid === tenantId, 1, 'the first events');
    const atRestart = pipeline.reader.events((e) => e.ce.tenantid === tenantId).length;
    await pipeline.restartWorker();
    t.diagnostic(`${atRestart} of ${changes.length} changes published when the worker restarted`);
    await pipeline.reader.waitForEvents((e) => e.ce.tenantid === tenantId, changes.length, 'every change published after the restart');
    await new Promise((r) => setTimeout(r, 500));
    const perChange = new Map<string, number>();
    for (const e of pipeline.reader.events((x) => x.ce.tenantid === tenantId)) perChange.set(e.ce.changeid, (perChange.get(e.ce.changeid) ?? 0) + 1);
    assert.equal(perChange.size, changes.length);
    assert.deepEqual([...new Set(perChange.values())], [1], 'no change published twice');
  });
});
