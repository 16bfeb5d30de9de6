import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Agent, fetch as undiciFetch } from 'undici';
import { createTestDatabase, testKafkaBrokers, uniqueTopicPrefix, type TestDatabase } from '@idsync/testing';
import type { ScimClient } from '../scim/scim-harness';
import { startAppProcess, stopAllAppProcesses, type AppProcess } from '../support/app-process';
import { ADMIN_TOKEN, USER_SCHEMA, adminTenant, sql } from '../faults/fault-helpers';

// A burst far above what a 4-connection pool sustains (3 writes at once, 12 queued): the gateway
// must shed the excess with 503 + Retry-After and a SCIM Error body — never a 500, never a
// request left hanging — keep its memory bounded, and lose nothing it answered 201 to.
const BURST = 600;
const POOL_SIZE = 4;
const RSS_GROWTH_LIMIT_BYTES = 256 * 1024 * 1024;
const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

interface BurstOutcome {
  userName: string;
  status: number;
  retryAfter: string | null;
  body: Record<string, unknown>;
  id?: string;
}

function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) * 1024;
}

// The client keeps idle connections for less time than the server (5 s), as a well-behaved SCIM
// client must: otherwise a request sent on a connection the server is just closing fails with
// "other side closed" — the keep-alive race, not load shedding.
const client = new Agent({ keepAliveTimeout: 1_000, keepAliveMaxTimeout: 1_000 });

async function createUser(scim: ScimClient, userName: string): Promise<BurstOutcome> {
  const res = await undiciFetch(`${scim.baseUrl}/scim/v2/Users`, {
    method: 'POST',
    dispatcher: client,
    headers: { authorization: `Bearer ${scim.token}`, 'content-type': 'application/scim+json' },
    body: JSON.stringify({ schemas: [USER_SCHEMA], userName, name: { givenName: 'B', familyName: userName } }),
  });
  const text = await res.text();
  const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  return { userName, status: res.status, retryAfter: res.headers.get('retry-after'), body, id: res.status === 201 ? String(body.id) : undefined };
}

describe('SCIM write burst against a small database pool', () => {
  let db: TestDatabase;
  let gateway: AppProcess;
  let scim: ScimClient & { tenantId: string };

  before(async () => {
    db = await createTestDatabase('burst');
    gateway = await startAppProcess({
      app: 'scim-gateway',
      env: {
        DATABASE_URL: db.url,
        DATABASE_POOL_SIZE: String(POOL_SIZE),
        KAFKA_BROKERS: testKafkaBrokers(),
        KAFKA_TOPIC_PREFIX: uniqueTopicPrefix('burst'),
        ADMIN_API_TOKEN: ADMIN_TOKEN,
      },
    });
    scim = await adminTenant(gateway.url, 'burst');
  });

  after(async () => {
    await client.close();
    await stopAllAppProcesses();
    await db?.drop();
  });

  it('sheds the excess with 503 + Retry-After, answers everything, stays bounded and loses nothing', async (t) => {
    const pid = gateway.pid as number;
    const baseline = rssBytes(pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 25);
    const transportErrors: string[] = [];
    let outcomes: BurstOutcome[];
    try {
      outcomes = (
        await Promise.all(
          Array.from({ length: BURST }, (_, i) =>
            createUser(scim, `burst-${i}@example.com`).catch((err: unknown) => {
              transportErrors.push(err instanceof Error ? `${err.message} ${String((err as { cause?: unknown }).cause ?? '')}` : String(err));
              return undefined;
            }),
          ),
        )
      ).filter((o): o is BurstOutcome => o !== undefined);
    } finally {
      clearInterval(sampler);
    }

    assert.deepEqual(transportErrors, [], 'no request failed at the transport level (timeout, reset)');
    const byStatus = new Map<number, number>();
    for (const o of outcomes) byStatus.set(o.status, (byStatus.get(o.status) ?? 0) + 1);
    const summary = JSON.stringify(Object.fromEntries(byStatus));
    assert.deepEqual([...byStatus.keys()].filter((s) => s !== 201 && s !== 429 && s !== 503), [], `only 201, 429 or 503 (got ${summary})`);
    const created = outcomes.filter((o) => o.status === 201);
    const shed = outcomes.filter((o) => o.status !== 201);
    assert.ok(created.length > 0, `some writes got through (${summary})`);
    assert.ok(shed.length > 0, `the burst was shed, not queued without bound (${summary})`);
    for (const o of shed) {
      assert.match(o.retryAfter ?? '', /^\d+$/, `${o.userName}: Retry-After in seconds`);
      assert.deepEqual(o.body.schemas, [SCIM_ERROR_SCHEMA], `${o.userName}: SCIM Error body`);
      assert.equal(o.body.status, String(o.status), `${o.userName}: SCIM status attribute`);
    }
    t.diagnostic(`burst of ${BURST}: ${summary}; gateway RSS ${Math.round(baseline / 1048576)} → peak ${Math.round(peak / 1048576)} MiB`);
    assert.ok(peak - baseline < RSS_GROWTH_LIMIT_BYTES, `gateway RSS grew ${Math.round((peak - baseline) / 1048576)} MiB (limit ${RSS_GROWTH_LIMIT_BYTES / 1048576})`);

    // Every 201 is durable: the resource and its outbox row.
    const ids = created.map((o) => o.id as string);
    const stored = await sql<{ id: string }>(db.url, `SELECT id::text FROM scim_resources WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [scim.tenantId, ids]);
    assert.equal(stored.length, ids.length, 'every 201 user is in scim_resources');
    const queued = await sql<{ id: string }>(db.url, `SELECT DISTINCT payload->>'resourceId' AS id FROM outbox WHERE tenant_id = $1 AND payload->>'operation' = 'create'`, [scim.tenantId]);
    const inOutbox = new Set(queued.map((r) => r.id));
    assert.deepEqual(ids.filter((id) => !inOutbox.has(id)), [], 'every 201 user has its outbox change');

    // Okta retries shed requests: doing the same (ten at a time, honouring Retry-After) succeeds.
    let pending = shed.map((o) => o.userName);
    for (let round = 0; round < 20 && pending.length > 0; round++) {
      const retried: BurstOutcome[] = [];
      for (let i = 0; i < pending.length; i += 10) retried.push(...(await Promise.all(pending.slice(i, i + 10).map((u) => createUser(scim, u)))));
      assert.deepEqual(retried.filter((o) => o.status !== 201 && o.status !== 503 && o.status !== 429).map((o) => `${o.userName}: ${o.status}`), [], 'retries answer 201 (or are shed again)');
      pending = retried.filter((o) => o.status !== 201).map((o) => o.userName);
      if (pending.length > 0) await new Promise((r) => setTimeout(r, 1_000 * Number(retried.find((o) => o.status !== 201)?.retryAfter ?? 1)));
    }
    assert.deepEqual(pending, [], 'every shed user was created on retry');
    const total = await sql<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM scim_resources WHERE tenant_id = $1 AND resource_type = 'User'`, [scim.tenantId]);
    assert.equal(total[0].n, BURST, 'exactly one user per name: no 201 was lost, no shed request was half-applied');

    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    assert.match(metrics, /idsync_scim_requests_shed_total\{reason="queue-full"\} [1-9]/, 'shed requests are counted');
  });
});
