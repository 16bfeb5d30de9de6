import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { rfcEnterpriseUser, rfcGroup } from './rfc-examples.fixture';
import { parseAttributeList, projectResource } from './scim-attribute-projection';
import { ScimSchemaRegistry } from './scim-schema-registry';
import { SCIM_SCHEMAS, type ScimJsonObject } from './types';

const ENTERPRISE = SCIM_SCHEMAS.enterpriseUser;
const ACME = 'urn:ietf:params:scim:schemas:extension:acme:2.0:User';
const registry = new ScimSchemaRegistry([
  { id: ACME, name: 'Acme', resourceType: 'User', attributes: [{ name: 'secretScore', returned: 'request', type: 'integer' }, { name: 'badge', returned: 'always' }] },
]);

function user(): ScimJsonObject {
  const resource = rfcEnterpriseUser(); // includes password (returned never) and groups
  resource[ACME] = { secretScore: 7, badge: 'B-1' };
  (resource.schemas as string[]).push(ACME);
  return resource;
}

describe('projectResource', () => {
  it('default: everything but returned:never and returned:request', () => {
    const projected = projectResource(registry, 'User', user());
    assert.equal(projected.password, undefined);
    assert.equal(projected.userName, 'bjensen@example.com');
    assert.ok(projected.meta);
    assert.deepEqual(projected[ACME], { badge: 'B-1' });
    assert.equal((projected[ENTERPRISE] as ScimJsonObject).employeeNumber, '701984');
  });

  it('attributes: only the named ones plus returned:always (id, badge) and schemas', () => {
    const projected = projectResource(registry, 'User', user(), { attributes: 'userName,NAME.givenName,emails.value' });
    assert.deepEqual(projected, {
      schemas: [SCIM_SCHEMAS.user, ACME],
      id: '2819c223-7f76-453a-919d-413861904646',
      userName: 'bjensen@example.com',
      name: { givenName: 'Barbara' },
      emails: [{ value: 'bjensen@example.com' }, { value: 'babs@jensen.org' }],
      [ACME]: { badge: 'B-1' },
    });
  });

  it('attributes: returned:request attributes only when asked; never stays out even when asked', () => {
    const projected = projectResource(registry, 'User', user(), { attributes: [`${ACME}:secretScore`, 'password'] });
    assert.deepEqual(projected[ACME], { secretScore: 7, badge: 'B-1' });
    assert.equal(projected.password, undefined);
  });

  it('attributes: extension URN paths, sub-attributes and whole extensions', () => {
    const sub = projectResource(registry, 'User', user(), { attributes: `${ENTERPRISE}:manager.value` });
    assert.deepEqual(sub[ENTERPRISE], { manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d' } });
    assert.deepEqual(sub.schemas, [SCIM_SCHEMAS.user, ENTERPRISE, ACME]);
    const whole = projectResource(registry, 'User', user(), { attributes: ENTERPRISE });
    assert.equal((whole[ENTERPRISE] as ScimJsonObject).department, 'Tour Operations');
    assert.equal(whole.userName, undefined);
  });

  it('excludedAttributes: drops named attributes and sub-attributes but never returned:always', () => {
    const projected = projectResource(registry, 'User', user(), { excludedAttributes: ['emails', 'name.familyName', 'id', `${ENTERPRISE}:manager`, `${ACME}:badge`] });
    assert.equal(projected.emails, undefined);
    assert.equal((projected.name as ScimJsonObject).familyName, undefined);
    assert.equal((projected.name as ScimJsonObject).givenName, 'Barbara');
    assert.equal(projected.id, '2819c223-7f76-453a-919d-413861904646');
    assert.equal((projected[ENTERPRISE] as ScimJsonObject).manager, undefined);
    assert.deepEqual(projected[ACME], { badge: 'B-1' });
  });

  it('excludedAttributes=members for Groups (what Entra ID sends)', () => {
    const projected = projectResource(registry, 'Group', rfcGroup(), { excludedAttributes: 'members' });
    assert.equal(projected.members, undefined);
    assert.equal(projected.displayName, 'Tour Guides');
  });

  it('drops an extension whose attributes were all excluded, and lists it no more in schemas', () => {
    const projected = projectResource(registry, 'User', user(), { excludedAttributes: ENTERPRISE });
    assert.equal(projected[ENTERPRISE], undefined);
    assert.deepEqual(projected.schemas, [SCIM_SCHEMAS.user, ACME]);
  });

  it('ignores unknown names and parses comma lists', () => {
    assert.deepEqual(parseAttributeList(' a, b ,,c'), ['a', 'b', 'c']);
    const projected = projectResource(registry, 'User', user(), { attributes: 'doesNotExist,userName' });
    assert.equal(projected.userName, 'bjensen@example.com');
  });
});
