import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type GatewayHarness } from './scim-harness';
import { ENTERPRISE, LIST_RESPONSE, SEARCH_REQUEST, USER_SCHEMA, expectError, expectStatus, patch, q, resources, tenant, type Json, type TenantClient } from './scim-e2e.helpers';

const MAX_RESULTS = 5;

describe('SCIM list/query: filters, sorting, paging, projection, .search', () => {
  let gw: GatewayHarness;
  let scim: TenantClient;
  const byName = new Map<string, string>();
  let midpoint = '';

  const names = (res: { body: Json }): string[] => resources(res as never).map((r) => r.userName as string);
  const list = async (query: string): Promise<string[]> => {
    const res = await scim.get(`/Users?${query}`);
    expectStatus(res, 200);
    return names(res);
  };
  const filter = async (f: string, extra = ''): Promise<string[]> => (await list(`filter=${q(f)}&sortBy=userName${extra}`));

  before(async () => {
    gw = await startGateway({ SCIM_MAX_RESULTS: String(MAX_RESULTS) });
    scim = await tenant(gw);
    const people: Json[] = [
      { userName: 'alice', name: { givenName: 'Alice', familyName: 'Smith' }, emails: [{ value: 'alice@x.com', type: 'work' }], active: true, title: 'Engineer', [ENTERPRISE]: { department: 'R&D', employeeNumber: '1' } },
      { userName: 'bob', name: { givenName: 'Bob', familyName: 'Smithers' }, emails: [{ value: 'bob@y.com', type: 'work' }, { value: 'bob@x.com', type: 'home' }], active: false, [ENTERPRISE]: { department: 'Sales' } },
      { userName: 'Carol', name: { givenName: 'Carol', familyName: 'Jones' }, emails: [{ value: 'carol@x.com', type: 'work' }], active: true, title: 'Manager' },
      { userName: 'dave', name: { givenName: 'Dave', familyName: 'Smyth' }, active: true },
      { userName: 'eve', name: { givenName: 'Eve', familyName: 'Adams' }, emails: [{ value: 'eve@X.COM', type: 'work' }], active: false, title: 'engineer' },
      { userName: 'frank', name: { givenName: 'Frank', familyName: 'Brown' }, active: true },
      { userName: 'grace', name: { givenName: 'Grace', familyName: 'Smith' }, active: true, [ENTERPRISE]: { department: 'R&D' } },
    ];
    for (const [i, p] of people.entries()) {
      const res = await scim.post('/Users', { schemas: [USER_SCHEMA, ...(p[ENTERPRISE] ? [ENTERPRISE] : [])], ...p });
      expectStatus(res, 201);
      byName.set(p.userName as string, res.body.id as string);
      if (i === 3) {
        await new Promise((r) => setTimeout(r, 20));
        midpoint = new Date().toISOString();
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  });
  after(async () => gw?.close());

  it('evaluates complex filters in the database', async () => {
    assert.deepEqual(await filter('emails[type eq "work" and value co "@x"]'), ['alice', 'Carol', 'eve']);
    assert.deepEqual(await filter('name.familyName sw "Sm"'), ['alice', 'bob', 'dave', 'grace']);
    assert.deepEqual(await filter('name.familyName eq "smith"'), ['alice', 'grace']);
    assert.deepEqual(await filter(`meta.lastModified gt "${midpoint}"`), ['eve', 'frank', 'grace']);
    assert.deepEqual(await filter(`meta.created le "${midpoint}"`), ['alice', 'bob', 'Carol', 'dave']);
    assert.deepEqual(await filter('not (name.familyName sw "Sm")'), ['Carol', 'eve', 'frank']);
    assert.deepEqual(await filter('userName eq "alice" or userName eq "CAROL"'), ['alice', 'Carol']);
    assert.deepEqual(await filter('title pr and (title eq "engineer" or title eq "Manager")'), ['alice', 'Carol', 'eve']);
    assert.deepEqual(await filter(`${ENTERPRISE}:department eq "R&D"`), ['alice', 'grace']);
    assert.deepEqual(await filter(`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "a"`), ['alice']);
    assert.deepEqual(await filter('active eq true'), ['alice', 'Carol', 'dave', 'frank', 'grace'].slice(0, MAX_RESULTS));
    assert.deepEqual(await filter('active eq false'), ['bob', 'eve']);
    assert.deepEqual(await filter('emails.value ew "y.com"'), ['bob']);
    assert.deepEqual(await filter('emails pr and not (emails.type eq "home")'), ['alice', 'Carol', 'eve']);
    assert.deepEqual(await filter('title ne "Engineer"'), ['bob', 'Carol', 'dave', 'frank', 'grace'].slice(0, MAX_RESULTS));
    assert.deepEqual(await filter(`id eq "${byName.get('dave') as string}"`), ['dave']);
    assert.deepEqual(await filter('userName gt "dave"'), ['eve', 'frank', 'grace']);
    assert.deepEqual(await filter('meta.resourceType eq "User" and userName eq "bob"'), ['bob']);
    // filter literals are data, never SQL
    assert.deepEqual(await filter(`userName eq "x' OR '1'='1"`), []);
    assert.deepEqual(await filter('userName co "%"'), []);
    assert.deepEqual(await filter('userName sw "_"'), []);
  });

  it('sorts by any attribute, ascending or descending', async () => {
    const all = ['alice', 'bob', 'Carol', 'dave', 'eve'];
    assert.deepEqual(await list('sortBy=userName&count=5'), all);
    assert.deepEqual(await list('sortBy=userName&sortOrder=descending&count=3'), ['grace', 'frank', 'eve']);
    assert.deepEqual(await list(`filter=${q('name.familyName sw "Sm"')}&sortBy=name.familyName&sortOrder=ascending`), ['alice', 'grace', 'bob', 'dave']);
    assert.deepEqual(await list(`filter=${q('name.familyName sw "Sm"')}&sortBy=name.familyName&sortOrder=descending`), ['dave', 'bob', 'alice', 'grace']);
    const byEmail = await list(`filter=${q('emails pr')}&sortBy=emails.value`);
    assert.deepEqual(byEmail, ['alice', 'bob', 'Carol', 'eve']);
    const byCreated = await list('sortBy=meta.created&sortOrder=descending&count=2');
    assert.deepEqual(byCreated, ['grace', 'frank']);
  });

  it('pages with startIndex/count, count=0 and the server maximum', async () => {
    let res = await scim.get('/Users?sortBy=userName&startIndex=3&count=2');
    assert.equal(res.body.totalResults, 7);
    assert.equal(res.body.startIndex, 3);
    assert.equal(res.body.itemsPerPage, 2);
    assert.deepEqual(names(res), ['Carol', 'dave']);
    res = await scim.get('/Users?sortBy=userName&startIndex=7&count=2');
    assert.deepEqual(names(res), ['grace']);
    assert.equal(res.body.itemsPerPage, 1);
    res = await scim.get('/Users?startIndex=50');
    assert.equal(res.body.totalResults, 7);
    assert.deepEqual(res.body.Resources, []);
    assert.equal(res.body.itemsPerPage, 0);
    res = await scim.get('/Users?count=0');
    expectStatus(res, 200);
    assert.equal(res.body.totalResults, 7);
    assert.equal(res.body.itemsPerPage, 0);
    assert.deepEqual(res.body.Resources ?? [], []);
    res = await scim.get(`/Users?filter=${q('active eq false')}&count=0`);
    assert.equal(res.body.totalResults, 2);
    res = await scim.get('/Users?count=1000');
    assert.equal(res.body.totalResults, 7);
    assert.equal(res.body.itemsPerPage, MAX_RESULTS);
    res = await scim.get('/Users');
    assert.equal(res.body.itemsPerPage, MAX_RESULTS);
    // RFC 7644 §3.4.2.4: startIndex < 1 is 1, a negative count is 0
    res = await scim.get('/Users?sortBy=userName&startIndex=0&count=1');
    assert.equal(res.body.startIndex, 1);
    assert.deepEqual(names(res), ['alice']);
    res = await scim.get('/Users?count=-3');
    assert.equal(res.body.itemsPerPage, 0);
    const spc = await scim.get('/ServiceProviderConfig');
    assert.equal((spc.body.filter as Json).maxResults, MAX_RESULTS);
  });

  it('projects list results with attributes / excludedAttributes', async () => {
    let res = await scim.get(`/Users?filter=${q('userName eq "alice"')}&attributes=${q('userName,emails.value')}`);
    const [alice] = resources(res);
    assert.deepEqual(Object.keys(alice).sort(), ['emails', 'id', 'schemas', 'userName']);
    assert.deepEqual(alice.emails, [{ value: 'alice@x.com' }]);
    res = await scim.get(`/Users?filter=${q('userName eq "alice"')}&excludedAttributes=${q(`name,emails,${ENTERPRISE}`)}`);
    const [excluded] = resources(res);
    assert.equal(excluded.name, undefined);
    assert.equal(excluded[ENTERPRISE], undefined);
    assert.deepEqual(excluded.schemas, [USER_SCHEMA]);
    assert.equal(excluded.title, 'Engineer');
    res = await scim.get(`/Users?filter=${q('userName eq "alice"')}&attributes=${q(`${ENTERPRISE}:department`)}`);
    assert.deepEqual(resources(res)[0][ENTERPRISE], { department: 'R&D' });
  });

  it('answers POST /.search like GET', async () => {
    const res = await scim.post('/Users/.search', {
      schemas: [SEARCH_REQUEST],
      attributes: ['userName', 'name.familyName'],
      filter: 'name.familyName sw "Sm" and active eq true',
      sortBy: 'userName',
      sortOrder: 'descending',
      startIndex: 1,
      count: 2,
    });
    expectStatus(res, 200);
    assert.deepEqual(res.body.schemas, [LIST_RESPONSE]);
    assert.equal(res.body.totalResults, 3);
    assert.equal(res.body.itemsPerPage, 2);
    assert.deepEqual(names(res), ['grace', 'dave']);
    assert.deepEqual(Object.keys(resources(res)[0]).sort(), ['id', 'name', 'schemas', 'userName']);
    const excluded = await scim.post('/Users/.search', { schemas: [SEARCH_REQUEST], excludedAttributes: ['emails'], filter: 'userName eq "bob"' });
    expectStatus(excluded, 200);
    assert.equal(resources(excluded)[0].emails, undefined);
    const groups = await scim.post('/Groups/.search', { schemas: [SEARCH_REQUEST], count: 0 });
    expectStatus(groups, 200);
    assert.equal(groups.body.totalResults, 0);
    expectError(await scim.post('/Users/.search', { schemas: [SEARCH_REQUEST], filter: 'userName xx "a"' }), 400, 'invalidFilter');
    expectError(await scim.post('/Users/.search', { schemas: [SEARCH_REQUEST], count: 'many' }), 400);
  });

  it('sees writes in later queries (filters read the search document)', async () => {
    const id = byName.get('frank') as string;
    expectStatus(await scim.patch(`/Users/${id}`, patch({ op: 'add', path: 'emails', value: [{ value: 'Frank@X.com', type: 'work' }] })), 200);
    assert.deepEqual(await filter('emails[type eq "work" and value co "@x"]'), ['alice', 'Carol', 'eve', 'frank']);
    expectStatus(await scim.patch(`/Users/${id}`, patch({ op: 'remove', path: 'emails' })), 200);
    assert.deepEqual(await filter('emails[type eq "work" and value co "@x"]'), ['alice', 'Carol', 'eve']);
  });
});
