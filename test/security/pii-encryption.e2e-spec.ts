import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EnvelopeCipher } from '@idsync/crypto';
import { createTestDatabase, testKafkaBrokers, uniqueTopicPrefix, type TestDatabase } from '@idsync/testing';
import { jsonOf, runIdsync, startIdsync } from '../cli/cli-runner';
import { ADMIN_TOKEN, adminTenant, PATCH_OP, sql, USER_SCHEMA } from '../faults/fault-helpers';
import type { ScimClient, ScimResponse } from '../scim/scim-harness';
import { startAppProcess, stopAllAppProcesses, type AppProcess } from '../support/app-process';

// Per-tenant PII encryption over the real gateway (a process, HTTP) and a real Postgres, with the
// real `idsync` bin: one tenant encrypts, one does not, and the same users go to both. The row of
// an encrypting tenant holds no clear phone, address or manager, yet the SCIM answers are the
// same; filters on encrypted attributes are refused; `tenant update --encrypt-pii on|off` converts
// existing rows while SCIM writes continue without losing one; `keys rotate` re-wraps the column;
// `subject export` decrypts; without the key the tenant's reads fail with 503, never partially.

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const keyA = EnvelopeCipher.generateKey();
const keyB = EnvelopeCipher.generateKey();
// The gateway holds both keys from the start (A primary); rotation makes B primary in the CLI.
const RING_A = JSON.stringify({ primary: 'A', keys: { A: keyA, B: keyB } });
const RING_B = JSON.stringify({ primary: 'B', keys: { A: keyA, B: keyB } });
const RING_B_ONLY = JSON.stringify({ primary: 'B', keys: { B: keyB } });

const PHONE = '+44 20 7946 0958';
const STREET = '12 Analytical Engine Row';
const MANAGER_ID = '5b1f0d2e-3c4a-4e5f-8a9b-0c1d2e3f4a5b';
const EMPLOYEE_NUMBER = 'EMP-314159';

function userBody(userName: string, phone = PHONE) {
  return {
    schemas: [USER_SCHEMA, ENTERPRISE],
    userName,
    externalId: `ext-${userName}`,
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    displayName: 'Ada Lovelace',
    emails: [{ value: userName, type: 'work', primary: true }],
    phoneNumbers: [{ value: phone, type: 'work' }],
    addresses: [{ streetAddress: STREET, locality: 'London', country: 'GB', type: 'work' }],
    title: 'Analyst',
    [ENTERPRISE]: { department: 'Engines', employeeNumber: EMPLOYEE_NUMBER, costCenter: 'CC-1843', manager: { value: MANAGER_ID } },
  };
}

/** A representation without what differs between tenants/resources by design (id, meta). */
function comparable(body: Record<string, unknown>): string {
  const { id: _id, meta: _meta, ...rest } = body;
  return JSON.stringify(rest);
}

const ok = (res: ScimResponse, status = 200) => assert.equal(res.status, status, res.text);

describe('per-tenant PII encryption', { timeout: 900_000 }, () => {
  let db: TestDatabase;
  let gateway: AppProcess;
  let enc: ScimClient & { tenantId: string };
  let plain: ScimClient & { tenantId: string };
  const env: Record<string, string> = {};
  let encUserId = '';
  let plainUserId = '';

  const cli = (args: string[], ring = RING_A) => runIdsync(args, { DATABASE_URL: db.url, IDSYNC_KEYS: ring, ENCRYPTION_KEYS: '', ENCRYPTION_ACTIVE_KEY_ID: '' });
  const rawRows = (tenantId: string) =>
    sql<{ id: string; row: string; pii_ciphertext: string | null; version: number }>(
      db.url,
      `SELECT id, t::text AS row, pii_ciphertext, version FROM scim_resources t WHERE tenant_id = $1 AND resource_type = 'User' ORDER BY id`,
      [tenantId],
    );

  before(async () => {
    db = await createTestDatabase('piienc');
    const prefix = uniqueTopicPrefix('piienc');
    Object.assign(env, {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: testKafkaBrokers(),
      KAFKA_TOPIC_PREFIX: prefix,
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      IDSYNC_KEYS: RING_A,
      ENCRYPTION_KEYS: '',
      ENCRYPTION_ACTIVE_KEY_ID: '',
      OUTBOX_POLL_MS: '200',
    });
    gateway = await startAppProcess({ app: 'scim-gateway', env, startTimeoutMs: 180_000 });
    enc = await adminTenant(gateway.url, 'pii-encrypted');
    plain = await adminTenant(gateway.url, 'pii-plain');
    const on = jsonOf<{ encryptPii: boolean; changed: boolean; converted: number }>(await cli(['tenant', 'update', 'pii-encrypted', '--encrypt-pii', 'on', '--json']));
    assert.deepEqual([on.encryptPii, on.changed, on.converted], [true, true, 0]);
  });

  after(async () => {
    await stopAllAppProcesses();
    await db?.drop();
  });

  it('keeps no clear phone, address or manager in the row, and answers exactly as for a clear tenant', async () => {
    const [createdEnc, createdPlain] = [await enc.post('/Users', userBody('ada@example.com')), await plain.post('/Users', userBody('ada@example.com'))];
    ok(createdEnc, 201);
    ok(createdPlain, 201);
    encUserId = String(createdEnc.body.id);
    plainUserId = String(createdPlain.body.id);
    assert.equal(comparable(createdEnc.body), comparable(createdPlain.body), 'POST answers are the same');

    const [row] = await rawRows(enc.tenantId);
    for (const clear of [PHONE, '7946', STREET, 'Analytical', MANAGER_ID, EMPLOYEE_NUMBER, 'CC-1843']) assert.ok(!row.row.includes(clear), `${clear} is not in the encrypted tenant's row`);
    for (const searchable of ['ada@example.com', 'Lovelace', 'Engines']) assert.ok(row.row.includes(searchable), `${searchable} stays searchable`);
    assert.match(String(row.pii_ciphertext), /^v1\.A\./);
    const [plainRow] = await rawRows(plain.tenantId);
    assert.ok(plainRow.row.includes(PHONE) && plainRow.row.includes(STREET) && plainRow.pii_ciphertext === null, 'the clear tenant is unchanged');

    const [gotEnc, gotPlain] = [await enc.get(`/Users/${encUserId}`), await plain.get(`/Users/${plainUserId}`)];
    ok(gotEnc);
    ok(gotPlain);
    assert.equal(comparable(gotEnc.body), comparable(gotPlain.body), 'GET answers are byte for byte the same (but id and meta)');
    assert.deepEqual((gotEnc.body.phoneNumbers as unknown[])[0], { value: PHONE, type: 'work' });
    assert.equal(((gotEnc.body[ENTERPRISE] as Record<string, unknown>).manager as Record<string, unknown>).value, MANAGER_ID);
    assert.equal(gotEnc.headers.get('etag'), gotPlain.headers.get('etag'));

    // Events are built from the whole resource: the outbox row carries the values (docs/SECURITY.md says so).
    const outbox = await sql<{ payload: string }>(db.url, `SELECT payload::text AS payload FROM outbox WHERE tenant_id = $1`, [enc.tenantId]);
    assert.ok(outbox.some((o) => o.payload.includes(PHONE)), 'the change record carries the phone number');
    // The audit diff of the encrypting tenant names the attributes without their values.
    const audit = await sql<{ changes: string }>(db.url, `SELECT changes::text AS changes FROM audit_log WHERE tenant_id = $1 AND action = 'user.create'`, [enc.tenantId]);
    assert.equal(audit.length, 1);
    assert.ok(audit[0].changes.includes('phoneNumbers') && !audit[0].changes.includes(PHONE) && !audit[0].changes.includes(STREET), audit[0].changes);
  });

  it('applies PATCH and PUT to encrypted attributes, with the same versions and ETags as a clear tenant', async () => {
    const patch = { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'phoneNumbers[type eq "work"].value', value: '+44 20 7946 0001' }, { op: 'replace', path: `${ENTERPRISE}:costCenter`, value: 'CC-2' }] };
    const [patchedEnc, patchedPlain] = [await enc.patch(`/Users/${encUserId}`, patch, { 'if-match': 'W/"1"' }), await plain.patch(`/Users/${plainUserId}`, patch, { 'if-match': 'W/"1"' })];
    ok(patchedEnc);
    ok(patchedPlain);
    assert.equal(comparable(patchedEnc.body), comparable(patchedPlain.body));
    assert.equal(patchedEnc.headers.get('etag'), 'W/"2"');
    ok(await enc.patch(`/Users/${encUserId}`, patch, { 'if-match': 'W/"1"' }), 412);

    const put = { ...userBody('ada@example.com', '+44 20 7946 0002'), id: encUserId };
    const [putEnc, putPlain] = [await enc.put(`/Users/${encUserId}`, put), await plain.put(`/Users/${plainUserId}`, { ...put, id: plainUserId })];
    ok(putEnc);
    ok(putPlain);
    assert.equal(comparable(putEnc.body), comparable(putPlain.body));
    const got = await enc.get(`/Users/${encUserId}`);
    assert.deepEqual(got.body.phoneNumbers, [{ value: '+44 20 7946 0002', type: 'work' }]);
    assert.equal(got.headers.get('etag'), 'W/"3"');
    const [row] = await rawRows(enc.tenantId);
    assert.ok(!row.row.includes('7946'), 'no clear phone after PATCH and PUT');
  });

  it('refuses filters and sortBy on encrypted attributes for the encrypting tenant only', async () => {
    for (const query of [
      `filter=${encodeURIComponent('phoneNumbers.value eq "+44 20 7946 0002"')}`,
      `filter=${encodeURIComponent(`userName eq "ada@example.com" and ${ENTERPRISE}:manager.value eq "${MANAGER_ID}"`)}`,
      `filter=${encodeURIComponent('addresses[locality eq "London"]')}`,
      'sortBy=phoneNumbers',
    ]) {
      const res = await enc.get(`/Users?${query}`);
      assert.equal(res.status, 400, `${query}: ${res.text}`);
      assert.equal(res.body.scimType, 'invalidFilter');
      assert.match(String(res.body.detail), /phoneNumbers|manager|addresses/);
    }
    for (const filter of ['userName eq "ADA@example.com"', 'emails[value co "ada@"]', 'name.familyName eq "Lovelace"']) {
      const res = await enc.get(`/Users?filter=${encodeURIComponent(filter)}`);
      ok(res);
      assert.equal(res.body.totalResults, 1, filter);
      assert.deepEqual((res.body.Resources as Array<Record<string, unknown>>)[0].phoneNumbers, [{ value: '+44 20 7946 0002', type: 'work' }], 'list answers are decrypted');
    }
    const plainFilter = await plain.get(`/Users?filter=${encodeURIComponent('phoneNumbers.value eq "+44 20 7946 0002"')}&sortBy=phoneNumbers`);
    ok(plainFilter);
    assert.equal(plainFilter.body.totalResults, 1, 'a tenant without encryption still filters on phone numbers');
  });

  it('turns encryption on and off for existing rows while SCIM writes continue, losing no write', async () => {
    const phoneOf = (i: number) => `+1 555 7${String(i).padStart(4, '0')}`;
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await plain.post('/Users', userBody(`bulk-${i}@example.com`, phoneOf(i)));
      ok(res, 201);
      ids.push(String(res.body.id));
    }
    const hot = ids[0];

    for (const [direction, flag] of [
      ['on', true],
      ['off', false],
    ] as const) {
      let writing = true;
      let patches = 0;
      let lastPhone = '';
      const created: string[] = [];
      const startVersion = Number(/\d+/.exec(String((await plain.get(`/Users/${hot}`)).headers.get('etag')))?.[0]);
      const writer = (async () => {
        while (writing) {
          const phone = `+1 555 8${direction === 'on' ? 1 : 2}${String(patches).padStart(3, '0')}`;
          const res = await plain.patch(`/Users/${hot}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'phoneNumbers', value: [{ value: phone, type: 'work' }] }] });
          ok(res);
          patches += 1;
          lastPhone = phone;
          if (patches % 3 === 0) {
            const made = await plain.post('/Users', userBody(`during-${direction}-${patches}@example.com`, `+1 555 9${String(patches).padStart(4, '0')}`));
            ok(made, 201);
            created.push(String(made.body.id));
          }
        }
      })();
      const pass = startIdsync(['tenant', 'update', 'pii-plain', '--encrypt-pii', direction, '--batch-size', '3', '--json'], {
        DATABASE_URL: db.url,
        IDSYNC_KEYS: RING_A,
        ENCRYPTION_KEYS: '',
        ENCRYPTION_ACTIVE_KEY_ID: '',
      });
      const result = jsonOf<{ encryptPii: boolean; changed: boolean; direction: string; converted: number }>(await pass.done);
      writing = false;
      await writer;
      assert.deepEqual([result.encryptPii, result.changed, result.direction], [flag, true, flag ? 'encrypt' : 'decrypt']);
      assert.ok(patches > 0, 'SCIM writes were served during the pass');

      const rows = await rawRows(plain.tenantId);
      for (const row of rows) {
        if (flag) assert.ok(!/\+1 555 [789]/.test(row.row) && row.pii_ciphertext !== null, `row ${row.id} is encrypted`);
        else assert.ok(row.pii_ciphertext === null && row.row.includes('+1 555') === (row.id !== plainUserId), `row ${row.id} is clear again`);
      }
      const got = await plain.get(`/Users/${hot}`);
      assert.deepEqual(got.body.phoneNumbers, [{ value: lastPhone, type: 'work' }], 'the last write is what is stored');
      assert.equal(got.headers.get('etag'), `W/"${startVersion + patches}"`, 'every write made one version; the pass made none');
      for (const [i, id] of ids.entries()) {
        if (id === hot) continue;
        const res = await plain.get(`/Users/${id}`);
        assert.deepEqual(res.body.phoneNumbers, [{ value: phoneOf(i), type: 'work' }]);
        assert.equal(res.headers.get('etag'), 'W/"1"');
      }
      for (const id of created) ok(await plain.get(`/Users/${id}`));

      const filtered = await plain.get(`/Users?filter=${encodeURIComponent(`phoneNumbers.value eq "${phoneOf(5)}"`)}`);
      if (flag) assert.equal(filtered.body.scimType, 'invalidFilter');
      else assert.equal(filtered.body.totalResults, 1, 'filters on phone numbers find the decrypted rows again');
    }
    const audit = await sql<{ changes: unknown }>(db.url, `SELECT changes FROM audit_log WHERE tenant_id = $1 AND action = 'tenant.update' ORDER BY seq`, [plain.tenantId]);
    assert.deepEqual(
      audit.map((a) => a.changes),
      [[{ path: 'encryptPii', before: false, after: true }], [{ path: 'encryptPii', before: true, after: false }]],
    );
    const again = jsonOf<{ changed: boolean; converted: number }>(await cli(['tenant', 'update', 'pii-plain', '--encrypt-pii', 'off', '--json']));
    assert.deepEqual([again.changed, again.converted], [false, 0], 'running it again finds nothing left (resumable)');
  });

  it('keys rotate re-wraps the column; subject export returns the decrypted user', async () => {
    interface Status {
      counts: Array<{ table: string; keyId: string; ciphertexts: number }>;
      notUnderPrimary: number;
    }
    const before = jsonOf<Status>(await cli(['keys', 'status', '--json'], RING_B));
    assert.deepEqual(
      before.counts.filter((c) => c.table === 'scim_resources').map((c) => [c.keyId, c.ciphertexts]),
      [['A', 1]],
    );
    const rotated = jsonOf<{ tables: Array<{ table: string; rotated: number }> }>(await cli(['keys', 'rotate', '--json'], RING_B));
    assert.deepEqual(rotated.tables.find((t) => t.table === 'scim_resources')?.rotated, 1);
    const afterRotation = jsonOf<Status>(await cli(['keys', 'status', '--json'], RING_B_ONLY));
    assert.equal(afterRotation.notUnderPrimary, 0);
    const [row] = await rawRows(enc.tenantId);
    assert.match(String(row.pii_ciphertext), /^v1\.B\./);
    assert.equal(row.version, 3, 'rotation does not make a new version');
    const got = await enc.get(`/Users/${encUserId}`);
    ok(got);
    assert.deepEqual(got.body.phoneNumbers, [{ value: '+44 20 7946 0002', type: 'work' }]);

    const exported = jsonOf<{ resource: { data: Record<string, unknown> } }>(await cli(['subject', 'export', '--tenant', 'pii-encrypted', '--user-id', encUserId, '--json'], RING_B_ONLY));
    assert.deepEqual(exported.resource.data.phoneNumbers, [{ value: '+44 20 7946 0002', type: 'work' }]);
    assert.equal((exported.resource.data[ENTERPRISE] as Record<string, unknown>).employeeNumber, EMPLOYEE_NUMBER);
    const masked = await cli(['export', '--masked', '--tenant', 'pii-encrypted', '--json'], RING_B_ONLY);
    assert.equal(masked.code, 0, masked.stderr);
    assert.ok(!masked.stdout.includes('7946 0002') && !masked.stdout.includes(EMPLOYEE_NUMBER), 'the masked export is built from the whole document and masks it');
  });

  it('answers 503 for the encrypting tenant when the gateway has no key, and serves the others', async () => {
    env.IDSYNC_KEYS = '';
    await gateway.restart();
    for (const res of [await enc.get(`/Users/${encUserId}`), await enc.get('/Users?filter=userName%20eq%20%22ada%40example.com%22'), await enc.post('/Users', userBody('new@example.com'))]) {
      assert.equal(res.status, 503, res.text);
      assert.ok(!res.text.includes('7946') && !res.text.includes('Lovelace'), 'no partial data');
      assert.match(String(res.body.detail), /encrypted/);
    }
    ok(await plain.get(`/Users/${plainUserId}`));
    ok(await plain.post('/Users', userBody('still-fine@example.com')), 201);
  });
});
