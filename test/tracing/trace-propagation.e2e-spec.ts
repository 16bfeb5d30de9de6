import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { EnvelopeCipher } from '@idsync/crypto';
import { createTestDatabase, testKafkaBrokers, uniqueTopicPrefix, waitFor, type TestDatabase } from '@idsync/testing';
import { ADMIN_TOKEN, adminTenant, USER_SCHEMA } from '../faults/fault-helpers';
import { OutputTopicsReader } from '../pipeline/pipeline-harness';
import type { ScimClient } from '../scim/scim-harness';
import { startAppProcess, stopAllAppProcesses, type AppProcess } from '../support/app-process';
import { TestReceiver } from '../webhooks/webhook-harness';
import { OtlpTraceReceiver, SPAN_KIND, type ReceivedSpan } from './otlp-receiver';

// One SCIM change, one trace: the three apps run as real processes with OTEL_TRACES_EXPORTER=otlp
// against a local OTLP/HTTP receiver; a user is provisioned with an incoming `traceparent` (an IdP
// that traces), and the trace id must come out the other end — through the outbox, the changes
// topic, sync-worker, the public topic and webhook-delivery — on every span and on the
// `traceparent` the webhook endpoint receives. Parent links are checked hop by hop, so a hop that
// started a new trace (or dropped the context) fails here.
// Three apps compiling TypeScript at once on a shared CI machine can take a while to come up.
const START_TIMEOUT_MS = 180_000;
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** The names, from the webhook attempt back to the SCIM request, of one connected trace. */
const CHAIN = ['webhook.attempt', 'publish idsync.identity.events.v1', 'process idsync.scim.changes.v1', 'outbox.relay', 'outbox.write', 'POST /scim/v2/Users'];

describe('tracing: one trace from the SCIM request to the webhook attempt, across both Kafka hops', { timeout: 420_000 }, () => {
  let db: TestDatabase;
  let otlp: OtlpTraceReceiver;
  let endpoint: TestReceiver;
  let gateway: AppProcess;
  let webhooks: AppProcess;
  let reader: OutputTopicsReader;
  let scim: ScimClient & { tenantId: string };

  /** Waits until the trace has every span of CHAIN plus webhook-delivery's consumer span, then returns them by name. */
  async function spansOf(traceId: string): Promise<Map<string, ReceivedSpan>> {
    const wanted = [...CHAIN, 'process idsync.identity.events.v1'];
    return waitFor(
      () => {
        const byName = new Map(otlp.inTrace(traceId).map((s) => [s.name, s]));
        return wanted.every((n) => byName.has(n)) ? byName : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: `spans ${wanted.join(', ')} of trace ${traceId} (have: ${otlp.inTrace(traceId).map((s) => s.name).join(', ')})` },
    );
  }

  /** Follows parentSpanId from the webhook attempt up to the gateway's request span. */
  function chainFrom(attempt: ReceivedSpan, spans: ReceivedSpan[]): ReceivedSpan[] {
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const chain = [attempt];
    for (let parent = byId.get(attempt.parentSpanId); parent; parent = byId.get(parent.parentSpanId)) chain.push(parent);
    return chain;
  }

  async function provision(userName: string, headers: Record<string, string> = {}): Promise<string> {
    const res = await scim.post('/Users', { schemas: [USER_SCHEMA], userName }, headers);
    assert.equal(res.status, 201, res.text);
    return String(res.body.id);
  }

  before(async () => {
    db = await createTestDatabase('tracing');
    const prefix = uniqueTopicPrefix('tracing');
    const brokers = testKafkaBrokers();
    otlp = await OtlpTraceReceiver.start();
    endpoint = await TestReceiver.start(() => 204);
    const common = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: brokers,
      KAFKA_TOPIC_PREFIX: prefix,
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '',
      OTEL_SERVICE_NAME: '', // each app's own name
      OTEL_BSP_SCHEDULE_DELAY: '200', // read by the SDK: export every 200 ms instead of 5 s
    };
    [gateway, , webhooks] = await Promise.all([
      startAppProcess({ app: 'scim-gateway', env: { ...common, OUTBOX_POLL_MS: '200' }, startTimeoutMs: START_TIMEOUT_MS }),
      startAppProcess({ app: 'sync-worker', env: { ...common, WORKER_GROUP_ID: `${prefix}-worker` }, startTimeoutMs: START_TIMEOUT_MS }),
      startAppProcess({
        app: 'webhook-delivery',
        env: {
          ...common,
          WEBHOOK_GROUP_ID: `${prefix}-webhook`,
          ENCRYPTION_KEYS: `k1:${EnvelopeCipher.generateKey()}`,
          ENCRYPTION_ACTIVE_KEY_ID: 'k1',
          WEBHOOK_ALLOW_HTTP: 'true',
          WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
          WEBHOOK_POLL_MS: '100',
        },
        startTimeoutMs: START_TIMEOUT_MS,
      }),
    ]);
    scim = await adminTenant(gateway.url, 'tracing');
    const sub = await fetch(`${webhooks.url}/admin/subscriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: scim.tenantId, url: endpoint.url, eventTypes: ['idsync.user.*'] }),
    });
    assert.equal(sub.status, 201, await sub.text());
    reader = new OutputTopicsReader(new Kafka({ clientId: 'tracing-test-reader', brokers: brokers.split(','), logLevel: logLevel.NOTHING }), prefix);
    await reader.start();
  });

  after(async () => {
    await reader?.stop();
    await stopAllAppProcesses();
    await endpoint?.close();
    await otlp?.close();
    await db?.drop();
  });

  it('continues an incoming traceparent: gateway → outbox → Kafka → worker → Kafka → webhook-delivery → endpoint', async () => {
    const traceId = hex(16);
    const callerSpanId = hex(8);
    const userId = await provision('traced@example.com', { traceparent: `00-${traceId}-${callerSpanId}-01` });

    const spans = await spansOf(traceId);
    const all = otlp.inTrace(traceId);
    const attempt = spans.get('webhook.attempt')!;
    const chain = chainFrom(attempt, all);
    assert.deepEqual(
      chain.map((s) => s.name),
      CHAIN,
      'each hop is the child of the one before it',
    );
    const [, publish, process, relay, write, request] = chain;
    assert.equal(request.parentSpanId, callerSpanId, 'the request span is the child of the caller’s span');

    // Who emitted what, and as which kind of span.
    assert.deepEqual(
      chain.map((s) => [s.name, s.service, s.kind]),
      [
        ['webhook.attempt', 'webhook-delivery', SPAN_KIND.client],
        ['publish idsync.identity.events.v1', 'sync-worker', SPAN_KIND.producer],
        ['process idsync.scim.changes.v1', 'sync-worker', SPAN_KIND.consumer],
        ['outbox.relay', 'scim-gateway', SPAN_KIND.producer],
        ['outbox.write', 'scim-gateway', SPAN_KIND.internal],
        ['POST /scim/v2/Users', 'scim-gateway', SPAN_KIND.server],
      ],
    );
    assert.equal(request.attributes['http.route'], '/scim/v2/Users');
    assert.equal(request.attributes['http.response.status_code'], 201);
    assert.match(String(relay.attributes['messaging.destination.name']), /\.idsync\.scim\.changes\.v1$/);
    assert.equal(write.parentSpanId, request.spanId);
    assert.equal(process.attributes['messaging.operation.type'], 'process');

    // The attempt carries the endpoint's answer.
    assert.equal(attempt.attributes['http.response.status_code'], 204);
    assert.equal(attempt.attributes['idsync.webhook.outcome'], 'delivered');
    assert.equal(attempt.attributes['idsync.event.type'], 'idsync.user.created');

    // webhook-delivery's consumer span is the child of the worker's publish span (record header).
    const consumed = spans.get('process idsync.identity.events.v1')!;
    assert.equal(consumed.service, 'webhook-delivery');
    assert.equal(consumed.kind, SPAN_KIND.consumer);
    assert.equal(consumed.parentSpanId, publish.spanId);

    // The public event: W3C headers and the CloudEvents distributed-tracing extension, both the publish span.
    const [event] = await reader.waitForEvents((e) => e.ce.subject === userId, 1, 'the user.created event');
    const published = `00-${traceId}-${publish.spanId}-01`;
    assert.equal(event.headers.traceparent, published);
    assert.equal(event.ce.traceparent, published);

    // The endpoint got the attempt span as its parent, and the event (with its extension) as the body.
    const got = await waitFor(() => endpoint.requests.find((r) => r.body.includes(userId)), { what: 'the webhook' });
    assert.equal(got.headers.traceparent, `00-${traceId}-${attempt.spanId}-01`);
    assert.equal((JSON.parse(got.body) as { traceparent?: string }).traceparent, published);

    assert.deepEqual(otlp.problems, [], 'every export was OTLP/HTTP JSON to /v1/traces');
  });

  it('starts a trace for a request without traceparent and still carries it to the endpoint', async () => {
    const before = new Set(otlp.spans.map((s) => s.traceId));
    const userId = await provision('untraced@example.com');
    const got = await waitFor(() => endpoint.requests.find((r) => r.body.includes(userId)), { timeoutMs: 60_000, what: 'the webhook' });
    const traceparent = String(got.headers.traceparent ?? '');
    const [, traceId, attemptSpanId] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(traceparent) ?? [];
    assert.ok(traceId, `a sampled traceparent reached the endpoint: ${traceparent}`);
    assert.ok(!before.has(traceId), 'a new trace');
    const spans = await spansOf(traceId);
    const chain = chainFrom(spans.get('webhook.attempt')!, otlp.inTrace(traceId));
    assert.equal(chain[0].spanId, attemptSpanId);
    assert.deepEqual(
      chain.map((s) => s.name),
      CHAIN,
    );
    assert.equal(chain.at(-1)?.parentSpanId, '', 'the request span is the root');
  });

  it('does not trace health probes', async () => {
    assert.equal((await fetch(`${gateway.url}/health/live`)).status, 200);
    await new Promise((r) => setTimeout(r, 1_000)); // > OTEL_BSP_SCHEDULE_DELAY: anything exported would be here
    assert.deepEqual(
      otlp.spans.filter((s) => String(s.attributes['url.path'] ?? '').startsWith('/health')).map((s) => s.name),
      [],
    );
  });
});
