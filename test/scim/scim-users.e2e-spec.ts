import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type GatewayHarness } from './scim-harness';
import {
  ENTERPRISE,
  LIST_RESPONSE,
  USER_SCHEMA,
  changeRows,
  createUser,
  expectError,
  expectStatus,
  meta,
  newUser,
  patch,
  q,
  resources,
  tenant,
  type Json,
  type TenantClient,
} from './scim-e2e.helpers';
// The same RFC examples the identity lib's specs use (a fixture file, not part of the lib's public API).
import { rfcEnterpriseUser as rfcEnterpriseUserExample } from '../../libs/identity/src/schema/rfc-examples.fixture';

/** RFC 7643 §8.2 full user with the §8.3 enterprise extension, its manager pointing at a real user. */
function rfcEnterpriseUser(managerId: string): Json {
  const user = rfcEnterpriseUserExample();
  (user[ENTERPRISE] as Json).manager = { value: managerId, $ref: `../Users/${managerId}`, displayName: 'John Smith' };
  return user;
}

describe('SCIM /Users end to end', () => {
  let gw: GatewayHarness;
  let scim: TenantClient;

  before(async () => {
    gw = await startGateway();
    scim = await tenant(gw);
  });
  after(async () => gw?.close());

  it('RFC 7644 §3.3 create, §3.4.1 get, §3.4.2 filter, §3.5.1 replace, §3.6 delete', async () => {
    const created = await scim.post('/Users', {
      schemas: [USER_SCHEMA],
      userName: 'bjensen',
      externalId: 'bjensen',
      name: { formatted: 'Ms. Barbara J Jensen III', familyName: 'Jensen', givenName: 'Barbara' },
    });
    expectStatus(created, 201);
    const id = created.body.id as string;
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(created.body.schemas, [USER_SCHEMA]);
    assert.equal(created.body.userName, 'bjensen');
    assert.equal(created.body.externalId, 'bjensen');
    const m = meta(created);
    assert.equal(m.resourceType, 'User');
    assert.equal(m.location, `${gw.url}/scim/v2/Users/${id}`);
    assert.equal(created.headers.get('location'), m.location);
    assert.equal(created.headers.get('etag'), m.version);
    assert.equal(m.created, m.lastModified);
    assert.ok(!Number.isNaN(Date.parse(m.created)));

    const got = await scim.get(`/Users/${id}`);
    expectStatus(got, 200);
    assert.equal(got.headers.get('etag'), m.version);
    assert.deepEqual({ ...got.body, groups: undefined }, { ...created.body, groups: undefined });

    const list = await scim.get(`/Users?filter=${q('userName Eq "bjensen"')}`);
    expectStatus(list, 200);
    assert.deepEqual(list.body.schemas, [LIST_RESPONSE]);
    assert.equal(list.body.totalResults, 1);
    assert.equal(list.body.startIndex, 1);
    assert.equal(list.body.itemsPerPage, 1);
    assert.equal(resources(list)[0].id, id);
    assert.equal((resources(list)[0].meta as Json).version, m.version);

    const replaced = await scim.put(
      `/Users/${id}`,
      {
        schemas: [USER_SCHEMA],
        id,
        userName: 'bjensen',
        externalId: 'bjensen',
        name: { formatted: 'Ms. Barbara J Jensen III', familyName: 'Jensen', givenName: 'Barbara', middleName: 'Jane' },
        roles: [],
        emails: [{ value: 'bjensen@example.com' }, { value: 'babs@jensen.org' }],
      },
      { 'if-match': m.version },
    );
    expectStatus(replaced, 200);
    assert.equal((replaced.body.name as Json).middleName, 'Jane');
    assert.equal((replaced.body.emails as Json[]).length, 2);
    assert.equal(replaced.body.roles, undefined);
    assert.equal(meta(replaced).version, 'W/"2"');
    assert.equal(replaced.headers.get('etag'), 'W/"2"');
    assert.equal(meta(replaced).created, m.created);
    assert.ok(Date.parse(meta(replaced).lastModified) >= Date.parse(m.lastModified));

    expectStatus(await scim.delete(`/Users/${id}`), 204);
    expectError(await scim.get(`/Users/${id}`), 404);
    expectError(await scim.delete(`/Users/${id}`), 404);
  });

  it('round-trips the RFC 7643 §8.2/§8.3 full enterprise user', async () => {
    const manager = await createUser(scim);
    const input = rfcEnterpriseUser(manager.id);
    const created = await scim.post('/Users', input);
    expectStatus(created, 201);
    const body = created.body;
    assert.notEqual(body.id, input.id, 'client-supplied id is ignored');
    assert.equal(body.password, undefined);
    assert.equal(body.groups, undefined, 'readOnly groups input is ignored');
    assert.notEqual(meta(created).created, '2010-01-23T04:56:22Z');
    assert.deepEqual(body.schemas, [USER_SCHEMA, ENTERPRISE]);
    for (const key of ['externalId', 'userName', 'name', 'displayName', 'nickName', 'profileUrl', 'emails', 'addresses', 'phoneNumbers', 'ims', 'photos', 'userType', 'title', 'preferredLanguage', 'locale', 'timezone', 'active', 'x509Certificates']) {
      assert.deepEqual(body[key], input[key], key);
    }
    const ent = body[ENTERPRISE] as Json;
    assert.equal(ent.employeeNumber, '701984');
    assert.equal(ent.department, 'Tour Operations');
    assert.equal((ent.manager as Json).value, manager.id);
    assert.equal((ent.manager as Json).displayName, undefined, 'manager.displayName is readOnly');

    const got = await scim.get(`/Users/${body.id as string}`);
    expectStatus(got, 200);
    assert.deepEqual(got.body, body);
    const byEnterprise = await scim.get(`/Users?filter=${q(`${ENTERPRISE}:employeeNumber eq "701984"`)}`);
    assert.deepEqual(resources(byEnterprise).map((r) => r.id), [body.id]);
    const byManager = await scim.get(`/Users?filter=${q(`${ENTERPRISE}:manager.value eq "${manager.id}"`)}`);
    assert.deepEqual(resources(byManager).map((r) => r.id), [body.id]);
  });

  it('keeps userName unique per tenant, case-insensitively; other tenants may reuse it', async () => {
    const user = newUser({ userName: 'Unique.Person@Example.com' });
    expectStatus(await scim.post('/Users', user), 201);
    const before = await changeRows(gw, scim.tenantId);
    expectError(await scim.post('/Users', { ...user, userName: 'unique.person@example.COM' }), 409, 'uniqueness');
    assert.deepEqual(await changeRows(gw, scim.tenantId), before);
    const other = await tenant(gw);
    expectStatus(await other.post('/Users', user), 201);
    // renaming onto a taken userName is a conflict too
    const second = await createUser(scim);
    expectError(await scim.patch(`/Users/${second.id}`, patch({ op: 'replace', path: 'userName', value: 'UNIQUE.person@example.com' })), 409, 'uniqueness');
  });

  it('keeps externalId and filters by it', async () => {
    const user = await createUser(scim, { externalId: '00ujl29u0le5T6Aj10h7' });
    assert.equal(user.externalId, '00ujl29u0le5T6Aj10h7');
    const found = await scim.get(`/Users?filter=${q('externalId eq "00ujl29u0le5T6Aj10h7"')}`);
    assert.deepEqual(resources(found).map((r) => r.id), [user.id]);
    // externalId is caseExact: another casing is another value
    const other = await scim.get(`/Users?filter=${q('externalId eq "00UJL29U0LE5T6AJ10H7"')}`);
    assert.equal(other.body.totalResults, 0);
  });

  it('never returns the password and stores only an scrypt hash', async () => {
    const created = await scim.post('/Users', newUser({ password: 'Pl@intext-1' }));
    expectStatus(created, 201);
    const id = created.body.id as string;
    assert.equal(created.body.password, undefined);
    assert.ok(!created.text.includes('Pl@intext-1'));
    const got = await scim.get(`/Users/${id}?attributes=password,userName`);
    assert.equal(got.body.password, undefined);
    const rows = (await gw.dataSource.query('SELECT hash FROM scim_passwords WHERE resource_id = $1', [id])) as Array<{ hash: string }>;
    assert.equal(rows.length, 1);
    assert.match(rows[0].hash, /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    assert.ok(!rows[0].hash.includes('Pl@intext-1'));
    const [{ data }] = (await gw.dataSource.query('SELECT data::text AS data FROM scim_resources WHERE id = $1', [id])) as Array<{ data: string }>;
    assert.ok(!data.includes('Pl@intext-1'), 'password must not be in the stored document');
    const [outbox] = (await gw.dataSource.query(`SELECT count(*)::int AS n FROM outbox WHERE payload::text LIKE '%Pl@intext-1%'`)) as Array<{ n: number }>;
    assert.equal(outbox.n, 0, 'password must not be in the change event');

    const changed = await scim.patch(`/Users/${id}`, patch({ op: 'replace', path: 'password', value: 'N3w-secret' }));
    expectStatus(changed, 200);
    assert.equal(changed.body.password, undefined);
    const after = (await gw.dataSource.query('SELECT hash FROM scim_passwords WHERE resource_id = $1', [id])) as Array<{ hash: string }>;
    assert.notEqual(after[0].hash, rows[0].hash);
  });

  it('keeps id immutable and ignores readOnly input (id, meta, groups)', async () => {
    const user = await createUser(scim);
    const put = await scim.put(`/Users/${user.id}`, {
      ...newUser({ userName: user.userName }),
      id: '11111111-1111-4111-8111-111111111111',
      meta: { resourceType: 'Group', created: '2000-01-01T00:00:00Z' },
      groups: [{ value: '22222222-2222-4222-8222-222222222222' }],
    });
    expectStatus(put, 200);
    assert.equal(put.body.id, user.id);
    assert.equal(meta(put).resourceType, 'User');
    assert.equal(meta(put).created, (user.meta as Json).created);
    assert.equal(put.body.groups, undefined);
    expectError(await scim.get('/Users/11111111-1111-4111-8111-111111111111'), 404);
    // PATCH of a readOnly attribute is a mutability error (RFC 7644 §3.5.2)
    expectError(await scim.patch(`/Users/${user.id}`, patch({ op: 'replace', path: 'id', value: '11111111-1111-4111-8111-111111111111' })), 400, 'mutability');
    expectError(await scim.patch(`/Users/${user.id}`, patch({ op: 'add', path: 'groups', value: [{ value: user.id }] })), 400, 'mutability');
  });

  it('rejects unknown core attributes, bad types and missing required attributes with 400 and writes nothing', async () => {
    const before = await changeRows(gw, scim.tenantId);
    expectError(await scim.post('/Users', newUser({ favouriteColour: 'blue' })), 400, 'invalidSyntax');
    expectError(await scim.post('/Users', { schemas: [USER_SCHEMA], name: { givenName: 'No' } }), 400, 'invalidValue');
    expectError(await scim.post('/Users', newUser({ active: 'maybe' })), 400, 'invalidValue');
    expectError(await scim.post('/Users', { userName: 'noschemas' }), 400, 'invalidSyntax');
    expectError(await scim.post('/Users', newUser({ schemas: [USER_SCHEMA, 'urn:example:unknown:2.0:User'] })), 400, 'invalidValue');
    expectError(await scim.post('/Users', [newUser()]), 400);
    const user = await createUser(scim);
    const mid = await changeRows(gw, scim.tenantId);
    expectError(await scim.put(`/Users/${user.id}`, { schemas: [USER_SCHEMA], displayName: 'no userName' }), 400, 'invalidValue');
    expectError(await scim.patch(`/Users/${user.id}`, patch({ op: 'remove', path: 'userName' })), 400, 'mutability');
    expectError(await scim.patch(`/Users/${user.id}`, patch({ op: 'replace', path: 'shoeSize', value: 42 })), 400, 'invalidPath');
    expectError(await scim.patch(`/Users/${user.id}`, { Operations: [{ op: 'replace', path: 'active', value: false }] }), 400, 'invalidSyntax');
    expectError(await scim.patch(`/Users/${user.id}`, patch({ op: 'move', path: 'active', value: false })), 400, 'invalidSyntax');
    expectError(await scim.patch(`/Users/${user.id}`, patch({ op: 'replace', path: 'emails[type eq "home"]', value: { value: 'x@example.com' } })), 400, 'noTarget');
    assert.deepEqual(await changeRows(gw, scim.tenantId), { outbox: mid.outbox, audit: mid.audit });
    assert.equal(mid.outbox, before.outbox + 1);
  });

  it('applies the RFC 7644 §3.5.2 user PATCH examples', async () => {
    const user = await createUser(scim, {
      emails: [
        { value: 'work@example.com', type: 'work', primary: true },
        { value: 'other@example.org', type: 'other' },
      ],
      addresses: [{ type: 'work', streetAddress: '1 Old Street', locality: 'Hollywood', primary: true }],
    });
    const url = `/Users/${user.id}`;
    // §3.5.2.1: path-less add of attributes
    let res = await scim.patch(url, patch({ op: 'add', value: { emails: [{ value: 'babs@jensen.org', type: 'home' }], nickName: 'Babs' } }));
    expectStatus(res, 200);
    assert.equal(res.body.nickName, 'Babs');
    assert.deepEqual((res.body.emails as Json[]).map((e) => e.type), ['work', 'other', 'home']);
    // §3.5.2.2: remove with a complex filter
    res = await scim.patch(url, patch({ op: 'remove', path: 'emails[type eq "work" and value ew "example.com"]' }));
    expectStatus(res, 200);
    assert.deepEqual((res.body.emails as Json[]).map((e) => e.value), ['other@example.org', 'babs@jensen.org']);
    // §3.5.2.3: replace a sub-attribute of the filtered element, then the element itself
    res = await scim.patch(url, patch({ op: 'replace', path: 'addresses[type eq "work"].streetAddress', value: '1010 Broadway Ave' }));
    expectStatus(res, 200);
    assert.equal((res.body.addresses as Json[])[0].streetAddress, '1010 Broadway Ave');
    assert.equal((res.body.addresses as Json[])[0].locality, 'Hollywood');
    res = await scim.patch(
      url,
      patch({
        op: 'replace',
        path: 'addresses[type eq "work"]',
        value: { type: 'work', streetAddress: '911 Universal City Plaza', locality: 'Hollywood', region: 'CA', postalCode: '91608', country: 'US', primary: true },
      }),
    );
    expectStatus(res, 200);
    assert.equal((res.body.addresses as Json[])[0].streetAddress, '911 Universal City Plaza');
    // several operations apply atomically: a failing one undoes the earlier ones
    const version = meta(res).version;
    const failed = await scim.patch(url, patch({ op: 'replace', path: 'title', value: 'Boss' }, { op: 'remove', path: 'userName' }));
    expectError(failed, 400, 'mutability');
    const now = await scim.get(url);
    assert.equal(now.body.title, undefined);
    assert.equal(meta(now).version, version);
    // a PATCH that changes nothing writes nothing and keeps the version
    const rows = await changeRows(gw, scim.tenantId);
    const noop = await scim.patch(url, patch({ op: 'replace', path: 'nickName', value: 'Babs' }));
    expectStatus(noop, 200);
    assert.equal(meta(noop).version, version);
    assert.deepEqual(await changeRows(gw, scim.tenantId), rows);
  });

  it('serves ETags and honours If-Match / If-None-Match', async () => {
    const user = await createUser(scim);
    const url = `/Users/${user.id}`;
    const etag = (user.meta as Json).version as string;
    assert.equal(etag, 'W/"1"');
    const notModified = await scim.get(url, { 'if-none-match': etag });
    expectStatus(notModified, 304);
    assert.equal(notModified.text, '');
    expectStatus(await scim.get(url, { 'if-none-match': 'W/"99"' }), 200);

    const before = await changeRows(gw, scim.tenantId);
    expectError(await scim.patch(url, patch({ op: 'replace', path: 'title', value: 'x' }), { 'if-match': 'W/"7"' }), 412, 'invalidVers');
    expectError(await scim.put(url, newUser({ userName: user.userName }), { 'if-match': 'W/"7"' }), 412, 'invalidVers');
    expectError(await scim.delete(url, { 'if-match': '"7"' }), 412, 'invalidVers');
    assert.deepEqual(await changeRows(gw, scim.tenantId), before);

    const patched = await scim.patch(url, patch({ op: 'replace', path: 'title', value: 'x' }), { 'if-match': etag });
    expectStatus(patched, 200);
    assert.equal(patched.headers.get('etag'), 'W/"2"');
    const put = await scim.put(url, newUser({ userName: user.userName }), { 'if-match': '*' });
    expectStatus(put, 200);
    assert.equal(put.headers.get('etag'), 'W/"3"');
    expectStatus(await scim.get(url, { 'if-none-match': etag }), 200);
    expectStatus(await scim.get(url, { 'if-none-match': 'W/"3"' }), 304);
    const list = await scim.get(`/Users?filter=${q(`id eq "${user.id}"`)}`);
    assert.equal((resources(list)[0].meta as Json).version, 'W/"3"');
    const byVersion = await scim.get(`/Users?filter=${q(`meta.version eq "W/\\"3\\"" and id eq "${user.id}"`)}`);
    assert.equal(byVersion.body.totalResults, 1);
    expectStatus(await scim.delete(url, { 'if-match': 'W/"3"' }), 204);
  });

  it('applies attributes / excludedAttributes to GET and to write responses', async () => {
    const created = await scim.post(`/Users?attributes=${q('userName,name.familyName')}`, newUser({ title: 'Engineer', externalId: 'ext-proj' }));
    expectStatus(created, 201);
    const id = created.body.id as string;
    assert.deepEqual(Object.keys(created.body).sort(), ['id', 'name', 'schemas', 'userName']);
    assert.deepEqual(Object.keys(created.body.name as Json), ['familyName']);
    assert.ok(created.headers.get('etag'));

    const excluded = await scim.get(`/Users/${id}?excludedAttributes=${q('emails,name,title')}`);
    expectStatus(excluded, 200);
    assert.equal(excluded.body.emails, undefined);
    assert.equal(excluded.body.name, undefined);
    assert.equal(excluded.body.title, undefined);
    assert.equal(excluded.body.id, id);
    assert.equal(excluded.body.externalId, 'ext-proj');
    // id and schemas are returned "always" and cannot be excluded
    const noId = await scim.get(`/Users/${id}?excludedAttributes=id,schemas,userName`);
    assert.equal(noId.body.id, id);
    assert.ok(Array.isArray(noId.body.schemas));

    const patched = await scim.patch(`/Users/${id}?attributes=title`, patch({ op: 'replace', path: 'title', value: 'Lead' }));
    expectStatus(patched, 200);
    assert.equal(patched.body.title, 'Lead');
    assert.equal(patched.body.userName, undefined);
    assert.equal(patched.body.id, id);
    const put = await scim.put(`/Users/${id}?excludedAttributes=emails`, newUser({ userName: created.body.userName, title: 'Lead' }));
    expectStatus(put, 200);
    assert.equal(put.body.emails, undefined);
    assert.equal(put.body.title, 'Lead');
    const sub = await scim.get(`/Users/${id}?attributes=emails.value`);
    assert.deepEqual(Object.keys((sub.body.emails as Json[])[0]), ['value']);
    assert.equal(sub.body.userName, undefined);
  });
});
