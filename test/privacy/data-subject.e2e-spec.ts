import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EnvelopeCipher } from '@idsync/crypto';
import { TOPICS, USER_ERASED_EVENT_TYPE, scimChangeKey } from '@idsync/contracts';
import { createIdsyncApp } from '@idsync/platform';
import { waitFor } from '@idsync/testing';
import { GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, expectStatus, tenant, type TenantClient } from '../scim/scim-e2e.helpers';
import { startPipeline, type PipelineHarness } from '../pipeline/pipeline-harness';
import { ADMIN_TOKEN, TestReceiver } from '../webhooks/webhook-harness';
import { jsonOf, runIdsync } from '../cli/cli-runner';
import { runCli } from '../../apps/cli/src/main';
import { DataSubjectService, SubjectNotFoundError } from '../../apps/cli/src/privacy/data-subject.service';
import { MaskedTenantExporter } from '../../apps/cli/src/privacy/masked-tenant-export';
import { oktaDelivery, oktaEvent, oktaUserId } from '../okta/okta-fixtures';

// Data-subject rights against the real stack: SCIM writes → outbox → worker → public stream →
// webhook-delivery → a receiver, all on one fresh database and topic prefix; the `idsync` bin runs
// as a child process on the same database and broker. One person is provisioned, updated, put in
// a group and delivered; then `idsync subject export` finds them everywhere, `idsync export
// --masked` carries none of their PII, and `idsync subject erase` leaves no trace of their email,
// phone, name or external id in any table, while a second person stays untouched.

const ADA = {
  email: 'ada.lovelace@analytical.example',
  phone: '+44 20 7946 0991',
  phoneAfter: '+44 20 7946 0123',
  givenName: 'Augusta',
  familyName: 'Lovelace-Byron',
  externalId: '00u-ada-okta-4711',
};
const HOOK_SECRET = 'Basic cHJpdmFjeS1ob29rOnMzY3JldC12YWx1ZS05ODc2';
const GRACE = { email: 'grace.hopper@navy.example', phone: '+1 202 555 0143', givenName: 'Grace', familyName: 'Hopper', externalId: '00u-grace-okta-0815' };

function userBody(p: typeof GRACE) {
  return {
    schemas: [USER_SCHEMA],
    userName: p.email,
    externalId: p.externalId,
    name: { givenName: p.givenName, familyName: p.familyName, formatted: `${p.givenName} ${p.familyName}` },
    displayName: `${p.givenName} ${p.familyName}`,
    emails: [{ value: p.email, type: 'work', primary: true }],
    phoneNumbers: [{ value: p.phone, type: 'work' }],
    active: true,
  };
}

/** Rows in any table of the database whose text contains `needle` (case-insensitive), per table. */
async function tablesMentioning(db: DataSource, needle: string): Promise<Record<string, number>> {
  const tables = (await db.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`)) as Array<{
    table_name: string;
  }>;
  const hits: Record<string, number> = {};
  for (const { table_name: t } of tables) {
    const [{ n }] = (await db.query(`SELECT count(*)::int AS n FROM "${t}" AS t WHERE t::text ILIKE $1`, [`%${needle}%`])) as Array<{ n: number }>;
    if (n > 0) hits[t] = n;
  }
  return hits;
}

/** Runs `fn` with the CLI's stderr/stdout chatter suppressed. */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const [out, err] = [process.stdout.write.bind(process.stdout), process.stderr.write.bind(process.stderr)];
  process.stdout.write = () => true;
  process.stderr.write = () => true;
  try {
    return await fn();
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

describe('data-subject rights: export, masked export, erasure', { timeout: 900_000 }, () => {
  let pipeline: PipelineHarness;
  let webhooks: INestApplication;
  let scim: TenantClient;
  let db: DataSource;
  let receiver: TestReceiver;
  let adaId = '';
  let graceId = '';
  let groupId = '';

  const idsync = (...args: string[]) => runIdsync(args, { DATABASE_URL: String(process.env.DATABASE_URL), KAFKA_TOPIC_PREFIX: pipeline.prefix });

  before(async () => {
    pipeline = await startPipeline('privacy', {
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      ENCRYPTION_KEYS: `k1:${EnvelopeCipher.generateKey()}`,
      ENCRYPTION_ACTIVE_KEY_ID: 'k1',
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
      WEBHOOK_RETRY_SCHEDULE_MS: '0,300,300,300',
      WEBHOOK_RETRY_JITTER: '0',
      WEBHOOK_POLL_MS: '100',
    });
    const { WebhookDeliveryModule } = await import('../../apps/webhook-delivery/src/app.module');
    webhooks = await createIdsyncApp(WebhookDeliveryModule, { clientId: 'test-privacy-webhooks' });
    await webhooks.listen(0, '127.0.0.1');
    db = webhooks.get(DataSource);
    scim = await tenant(pipeline.gateway);
    // The first answer echoes the user in an error, so an attempt's response excerpt holds PII too.
    receiver = await TestReceiver.start((n) => (n === 1 ? { status: 500, body: `cannot provision ${ADA.email}` } : 200));
    const url = (await webhooks.getUrl()).replace('[::1]', '127.0.0.1');
    const res = await fetch(`${url}/admin/subscriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: scim.tenantId, url: receiver.url, eventTypes: ['idsync.user.*', 'idsync.group.*'] }),
    });
    assert.equal(res.status, 201, await res.text());

    const ada = await scim.post('/Users', userBody({ ...ADA }));
    expectStatus(ada, 201);
    adaId = String(ada.body.id);
    const grace = await scim.post('/Users', userBody(GRACE));
    expectStatus(grace, 201);
    graceId = String(grace.body.id);
    expectStatus(
      await scim.patch(`/Users/${adaId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'phoneNumbers', value: [{ value: ADA.phoneAfter, type: 'work' }] }] }),
      200,
    );
    const group = await scim.post('/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Engines',
      members: [
        { value: adaId, display: `${ADA.givenName} ${ADA.familyName}` },
        { value: graceId, display: `${GRACE.givenName} ${GRACE.familyName}` },
      ],
    });
    expectStatus(group, 201);
    groupId = String(group.body.id);
    // An Okta Event Hook delivery about her: its payload (her login) is kept in the outbox.
    const gatewayAdmin = (method: string, path: string, body: unknown) =>
      fetch(`${pipeline.gateway.url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal((await gatewayAdmin('PUT', `/admin/tenants/${scim.tenantId}/okta/hook`, { secret: HOOK_SECRET })).status, 200);
    const hook = await fetch(`${pipeline.gateway.url}/hooks/okta/${scim.tenantId}`, {
      method: 'POST',
      headers: { authorization: HOOK_SECRET, 'content-type': 'application/json' },
      body: JSON.stringify(oktaDelivery([oktaEvent('user.account.lock', { id: oktaUserId(), type: 'User', alternateId: ADA.email, displayName: `${ADA.givenName} ${ADA.familyName}` })])),
    });
    assert.ok(hook.status < 300, `hook delivery answered ${hook.status}`);
    // created ×2, updated, group created, member added ×2 (and the Okta lock): delivered.
    await waitFor(
      async () => {
        const [{ n }] = (await db.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE tenant_id = $1 AND status = 'delivered'`, [scim.tenantId])) as Array<{ n: number }>;
        const [{ okta }] = (await db.query(`SELECT count(*)::int AS okta FROM outbox WHERE tenant_id = $1 AND topic LIKE '%okta%' AND published_at IS NOT NULL`, [scim.tenantId])) as Array<{
          okta: number;
        }>;
        return n >= 6 && okta >= 1;
      },
      { timeoutMs: 90_000, what: 'six delivered webhooks and the Okta event published' },
    );
  });

  after(async () => {
    await receiver?.close();
    await webhooks?.close();
    await pipeline?.close();
  });

  it('subject export finds the person in every table that holds them', async () => {
    const doc = jsonOf<Record<string, unknown> & {
      resource: { id: string; data: { userName: string } };
      groupMemberships: Array<{ groupId: string }>;
      auditRecords: Array<{ action: string; resourceId: string }>;
      outbox: Array<{ topic: string; key: string }>;
      webhookDeliveries: Array<{ eventType: string; status: string; attempts: unknown[]; payload: { resourceId?: string } }>;
      processedChanges: unknown[];
    }>(await idsync('subject', 'export', '--tenant', scim.tenantId, '--user-name', ADA.email.toUpperCase(), '--json'));
    assert.equal(doc.resource.id, adaId);
    assert.equal(doc.resource.data.userName, ADA.email);
    assert.deepEqual(doc.groupMemberships.map((m) => m.groupId), [groupId]);
    const actions = doc.auditRecords.map((r) => r.action);
    for (const a of ['user.create', 'user.patch', 'group.create']) assert.ok(actions.includes(a), `audit ${a} in ${actions.join(',')}`);
    assert.ok(doc.outbox.some((r) => r.key === scimChangeKey(scim.tenantId, adaId)), 'her change records');
    assert.ok(doc.outbox.some((r) => r.key === scimChangeKey(scim.tenantId, groupId)), 'the group change record naming her');
    const types = doc.webhookDeliveries.map((d) => d.eventType);
    for (const t of ['idsync.user.created', 'idsync.user.updated', 'idsync.group.member.added']) assert.ok(types.includes(t), `delivery ${t} in ${types.join(',')}`);
    assert.ok(doc.webhookDeliveries.every((d) => d.attempts.length >= 1));
    assert.ok(doc.processedChanges.length >= 2, 'the worker ledger rows of her changes');
    assert.ok(doc.outbox.some((r) => r.topic.endsWith(TOPICS.oktaEvents)), 'the Okta hook event payload about her');
    assert.equal((doc.oktaHookEvents as unknown[]).length, 1, 'its receipt');
    assert.ok(!doc.webhookDeliveries.some((d) => d.payload.resourceId === graceId && d.eventType.startsWith('idsync.user.')), "none of Grace's own deliveries");
  });

  it('export --masked: consistent pseudonyms, intact memberships, no original PII', async () => {
    const run = await idsync('export', '--tenant', scim.tenantId, '--masked', '--seed', 's1', '--json');
    const masked = jsonOf<{
      users: Array<{ id: string; data: Record<string, unknown> & { userName: string; emails: Array<{ value: string }>; displayName: string } }>;
      groups: Array<{ id: string; data: { members: Array<{ value: string; display: string }> } }>;
      memberships: Array<{ groupId: string; memberId: string }>;
      subscriptions: Array<Record<string, unknown>>;
    }>(run);
    for (const pii of [ADA.email, ADA.phoneAfter, ADA.givenName, ADA.familyName, ADA.externalId, GRACE.email, GRACE.phone, GRACE.givenName, GRACE.familyName, GRACE.externalId]) {
      assert.ok(!run.stdout.toLowerCase().includes(pii.toLowerCase()), `"${pii}" left in the masked export`);
    }
    assert.equal(masked.users.length, 2);
    for (const u of masked.users) {
      assert.match(u.data.userName, /^user-[0-9a-f]{10}@example\.invalid$/);
      assert.equal(u.data.emails[0].value, u.data.userName, 'the same email masks the same way in userName and emails');
    }
    const [group] = masked.groups;
    const byId = new Map(masked.users.map((u) => [u.id, u]));
    for (const m of group.data.members) assert.equal(m.display, byId.get(m.value)?.data.displayName, 'member display = the masked displayName');
    assert.ok(masked.memberships.every((m) => byId.has(m.memberId) && m.groupId === group.id), 'memberships reference exported users');
    assert.equal(masked.subscriptions.length, 1);
    assert.ok(!JSON.stringify(masked.subscriptions).includes('secret'));
    // Same seed → same output; no seed → a random key, so different pseudonyms (in-process: the
    // bin is slow to start on a loaded machine, and the CLI path is covered above).
    const exporter = new MaskedTenantExporter(db);
    const t = { id: scim.tenantId, name: 'x' };
    assert.deepEqual((await exporter.export(t, 's1')).users, masked.users);
    assert.notEqual((await exporter.export(t)).users[0].data.userName, masked.users[0].data.userName);
    assert.equal(await quietly(() => runCli(['export', '--tenant', scim.tenantId])), 2, '--masked is required');
  });

  it('subject erase leaves no trace of her in any table, publishes erased + tombstone, and the audit chain verifies', async () => {
    const before = await tablesMentioning(db, ADA.email);
    for (const t of ['scim_resources', 'outbox', 'audit_log', 'webhook_deliveries']) assert.ok(before[t], `before: ${t} mentions her (${JSON.stringify(before)})`);

    assert.equal(await quietly(() => runCli(['subject', 'erase', '--tenant', scim.tenantId, '--user-id', adaId])), 1, 'no --yes and no terminal: refused');
    const report = jsonOf<{ resourceId: string; erased: Record<string, number>; eventPublished: boolean }>(
      await idsync('subject', 'erase', '--tenant', scim.tenantId, '--external-id', ADA.externalId, '--yes', '--json'),
    );
    assert.equal(report.resourceId, adaId);
    assert.equal(report.eventPublished, true);
    assert.equal(report.erased['scim_resources deleted'], 1);
    assert.ok(report.erased['audit_log.changes nulled'] >= 3, JSON.stringify(report));
    assert.ok(report.erased['webhook_deliveries anonymised'] >= 4, JSON.stringify(report));
    assert.equal(report.erased['outbox (Okta hook event payloads) deleted'], 1, JSON.stringify(report));

    // Kafka: the erased event (no PII in it), the user.deleted and the compacted-topic tombstone.
    const [erased] = await pipeline.reader.waitForEvents((e) => e.ce.type === USER_ERASED_EVENT_TYPE && e.ce.subject === adaId, 1, 'idsync.user.erased');
    assert.equal(erased.key, scimChangeKey(scim.tenantId, adaId));
    assert.equal(erased.ce.tenantid, scim.tenantId);
    assert.ok(!JSON.stringify(erased).includes(ADA.email));
    await pipeline.reader.waitForEvents((e) => e.ce.type === 'idsync.user.deleted' && e.ce.subject === adaId, 1, 'idsync.user.deleted');
    await pipeline.reader.waitForEvents((e) => e.ce.type === 'idsync.group.member.removed' && e.ce.subject === groupId, 1, 'member removed');
    await waitFor(() => pipeline.reader.on(TOPICS.users).some((r) => r.key === scimChangeKey(scim.tenantId, adaId) && r.value === null), {
      timeoutMs: 30_000,
      what: 'the tombstone on the users topic',
    });
    // Let the deletion's own deliveries settle (they carry no PII), then search every table.
    await waitFor(
      async () => {
        const [{ n }] = (await db.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE tenant_id = $1 AND event_type = $2 AND status = 'delivered'`, [
          scim.tenantId,
          USER_ERASED_EVENT_TYPE,
        ])) as Array<{ n: number }>;
        const [{ waiting }] = (await db.query(`SELECT count(*)::int AS waiting FROM outbox WHERE published_at IS NULL`)) as Array<{ waiting: number }>;
        return n === 1 && waiting === 0;
      },
      { timeoutMs: 60_000, what: 'the erased event delivered and the outbox drained' },
    );
    for (const pii of [ADA.email, ADA.phone, ADA.phoneAfter, ADA.givenName, ADA.familyName, ADA.externalId]) {
      assert.deepEqual(await tablesMentioning(db, pii), {}, `"${pii}" is still stored`);
    }
    // The other person is untouched (this search can find things).
    assert.ok((await tablesMentioning(db, GRACE.email)).scim_resources);
    const graceNow = await scim.get(`/Users/${graceId}`);
    expectStatus(graceNow, 200);
    const groupNow = await scim.get(`/Groups/${groupId}`);
    assert.deepEqual((groupNow.body.members as Array<{ value: string }>).map((m) => m.value), [graceId]);

    // The erasure's own audit record: by resource id only.
    const [record] = (await db.query(`SELECT resource_id, details, changes FROM audit_log WHERE tenant_id = $1 AND action = 'user.erase'`, [scim.tenantId])) as Array<{
      resource_id: string;
      details: unknown;
      changes: unknown;
    }>;
    assert.equal(record.resource_id, adaId);
    assert.equal(record.changes, null);

    const verify = await idsync('audit', 'verify', '--tenant', scim.tenantId, '--json');
    assert.equal(jsonOf<{ ok: boolean }>(verify).ok, true, verify.stdout);

    // What is left about her is only her id: the export says the user is gone.
    const service = new DataSubjectService(db);
    const left = (await service.export(scim.tenantId, { userId: adaId })) as { subject: { exists: boolean }; resource: unknown };
    assert.equal(left.subject.exists, false);
    assert.equal(left.resource, null);
    await assert.rejects(service.erase(scim.tenantId, { userName: ADA.email }, 'test'), SubjectNotFoundError, 'no longer found by userName');
  });
});
