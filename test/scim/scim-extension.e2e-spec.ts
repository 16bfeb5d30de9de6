import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startGateway, type GatewayHarness } from './scim-harness';
import { ENTERPRISE, USER_SCHEMA, changeRows, expectError, expectStatus, newUser, patch, q, resources, tenant, type Json, type TenantClient } from './scim-e2e.helpers';

const ACME = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';

const EXTENSIONS = [
  {
    id: ACME,
    name: 'AcmeUser',
    description: 'Acme Corp user attributes',
    resourceType: 'User',
    attributes: [
      { name: 'badgeNumber', type: 'string', caseExact: true, description: 'Door badge' },
      { name: 'clearanceLevel', type: 'integer' },
      { name: 'remote', type: 'boolean' },
      { name: 'costCenters', type: 'string', multiValued: true },
      {
        name: 'site',
        type: 'complex',
        subAttributes: [
          { name: 'code', type: 'string' },
          { name: 'floor', type: 'integer' },
        ],
      },
      { name: 'hrKey', type: 'string', mutability: 'readOnly' },
      { name: 'pin', type: 'string', returned: 'never' },
    ],
  },
];

/** A custom schema extension declared in SCIM_SCHEMA_EXTENSIONS_FILE, used the way Okta sends custom attributes. */
describe('SCIM custom schema extension from configuration', () => {
  let gw: GatewayHarness;
  let scim: TenantClient;
  let dir: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scim-ext-'));
    const file = path.join(dir, 'extensions.json');
    fs.writeFileSync(file, JSON.stringify(EXTENSIONS));
    gw = await startGateway({ SCIM_SCHEMA_EXTENSIONS_FILE: file });
    scim = await tenant(gw);
  });
  after(async () => {
    await gw?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is advertised in /Schemas and /ResourceTypes', async () => {
    const schema = await scim.get(`/Schemas/${ACME}`);
    expectStatus(schema, 200);
    assert.equal(schema.body.name, 'AcmeUser');
    assert.deepEqual((schema.body.attributes as Json[]).map((a) => a.name), ['badgeNumber', 'clearanceLevel', 'remote', 'costCenters', 'site', 'hrKey', 'pin']);
    const badge = (schema.body.attributes as Json[])[0];
    assert.equal(badge.caseExact, true);
    assert.equal(badge.mutability, 'readWrite');
    const all = await scim.get('/Schemas');
    assert.ok((all.body.Resources as Json[]).some((s) => s.id === ACME));
    const user = await scim.get('/ResourceTypes/User');
    assert.deepEqual(user.body.schemaExtensions, [
      { schema: ENTERPRISE, required: false },
      { schema: ACME, required: false },
    ]);
  });

  it('accepts, returns, patches and filters extension attributes', async () => {
    const created = await scim.post('/Users', {
      ...newUser({ userName: 'okta.custom@example.com' }),
      schemas: [USER_SCHEMA, ACME],
      [ACME]: { badgeNumber: 'B-42', clearanceLevel: 3, remote: true, costCenters: ['cc1', 'cc2'], site: { code: 'BER', floor: 4 }, hrKey: 'ignored', pin: '1234' },
    });
    expectStatus(created, 201);
    const id = created.body.id as string;
    assert.deepEqual(created.body.schemas, [USER_SCHEMA, ACME]);
    assert.deepEqual(created.body[ACME], { badgeNumber: 'B-42', clearanceLevel: 3, remote: true, costCenters: ['cc1', 'cc2'], site: { code: 'BER', floor: 4 } });

    // Okta sends custom attributes with a path-less replace keyed by the extension URN
    let res = await scim.patch(`/Users/${id}`, patch({ op: 'replace', value: { [ACME]: { clearanceLevel: 5 }, displayName: 'Custom' } }));
    expectStatus(res, 200);
    assert.equal((res.body[ACME] as Json).clearanceLevel, 5);
    assert.equal((res.body[ACME] as Json).badgeNumber, 'B-42');
    res = await scim.patch(`/Users/${id}`, patch({ op: 'replace', path: `${ACME}:site.floor`, value: 7 }, { op: 'add', path: `${ACME}:costCenters`, value: ['cc3'] }));
    expectStatus(res, 200);
    assert.deepEqual((res.body[ACME] as Json).site, { code: 'BER', floor: 7 });
    assert.deepEqual((res.body[ACME] as Json).costCenters, ['cc1', 'cc2', 'cc3']);

    // a user without the extension, then one added by PUT
    const plain = await scim.post('/Users', newUser());
    expectStatus(plain, 201);
    assert.deepEqual(plain.body.schemas, [USER_SCHEMA]);
    const put = await scim.put(`/Users/${plain.body.id as string}`, { ...newUser({ userName: plain.body.userName }), schemas: [USER_SCHEMA, ACME], [ACME]: { badgeNumber: 'b-42', remote: false } });
    expectStatus(put, 200);

    const filter = async (f: string) => {
      const r = await scim.get(`/Users?filter=${q(f)}&sortBy=userName`);
      expectStatus(r, 200);
      return resources(r).map((u) => u.id);
    };
    assert.deepEqual(await filter(`${ACME}:badgeNumber eq "B-42"`), [id], 'caseExact: b-42 does not match');
    assert.deepEqual(await filter(`${ACME}:clearanceLevel ge 5`), [id]);
    assert.deepEqual(await filter(`${ACME}:remote eq false`), [plain.body.id]);
    assert.deepEqual(await filter(`${ACME}:site.code eq "ber"`), [id]);
    assert.deepEqual(await filter(`${ACME}:costCenters eq "cc3"`), [id]);
    assert.equal((await filter(`${ACME}:badgeNumber pr`)).length, 2);
    assert.deepEqual(await filter(`${ACME}:clearanceLevel pr and displayName eq "Custom"`), [id]);

    // projection by URN
    const only = await scim.get(`/Users/${id}?attributes=${q(`${ACME}:badgeNumber`)}`);
    assert.deepEqual(only.body[ACME], { badgeNumber: 'B-42' });
    const without = await scim.get(`/Users/${id}?excludedAttributes=${q(ACME)}`);
    assert.equal(without.body[ACME], undefined);
    assert.deepEqual(without.body.schemas, [USER_SCHEMA]);

    // removing the last attribute of the extension drops it
    res = await scim.patch(`/Users/${plain.body.id as string}`, patch({ op: 'remove', path: ACME }));
    expectStatus(res, 200);
    assert.equal(res.body[ACME], undefined);
    assert.deepEqual(res.body.schemas, [USER_SCHEMA]);
  });

  it('rejects unknown or badly typed extension attributes with 400 and writes nothing', async () => {
    const user = await scim.post('/Users', { ...newUser(), schemas: [USER_SCHEMA, ACME], [ACME]: { badgeNumber: 'X' } });
    expectStatus(user, 201);
    const id = user.body.id as string;
    const before = await changeRows(gw, scim.tenantId);
    expectError(await scim.post('/Users', { ...newUser(), schemas: [USER_SCHEMA, ACME], [ACME]: { shoeSize: 44 } }), 400, 'invalidSyntax');
    expectError(await scim.post('/Users', { ...newUser(), schemas: [USER_SCHEMA, ACME], [ACME]: { clearanceLevel: 'high' } }), 400, 'invalidValue');
    expectError(await scim.post('/Users', { ...newUser(), schemas: [USER_SCHEMA, ACME], [ACME]: { site: { code: 'X', wing: 'B' } } }), 400, 'invalidSyntax');
    expectError(await scim.post('/Users', { ...newUser(), [`${ACME}:shoeSize`]: 44 }), 400, 'invalidSyntax');
    expectError(await scim.patch(`/Users/${id}`, patch({ op: 'replace', value: { [ACME]: { shoeSize: 44 } } })), 400, 'invalidSyntax');
    expectError(await scim.patch(`/Users/${id}`, patch({ op: 'add', path: `${ACME}:shoeSize`, value: 44 })), 400, 'invalidPath');
    expectError(await scim.patch(`/Users/${id}`, patch({ op: 'replace', path: `${ACME}:hrKey`, value: 'x' })), 400, 'mutability');
    expectError(await scim.get(`/Users?filter=${q(`${ACME}:shoeSize eq 44`)}`), 400, 'invalidFilter');
    assert.deepEqual(await changeRows(gw, scim.tenantId), before);
    // a returned:"never" attribute is accepted, never returned, and cannot be probed with a filter
    expectError(await scim.get(`/Users?filter=${q(`${ACME}:pin eq "1234"`)}`), 400, 'invalidFilter');
    const pin = await scim.patch(`/Users/${id}`, patch({ op: 'add', path: `${ACME}:pin`, value: '9999' }));
    expectStatus(pin, 200);
    assert.ok(!pin.text.includes('9999'));
    assert.ok(!(await scim.get(`/Users/${id}?attributes=${q(`${ACME}:pin`)}`)).text.includes('9999'));
    const [events] = (await gw.dataSource.query(`SELECT count(*)::int AS n FROM outbox WHERE payload::text LIKE '%9999%'`)) as Array<{ n: number }>;
    assert.equal(events.n, 0, 'a returned:"never" attribute must not travel in change events');
  });
});
