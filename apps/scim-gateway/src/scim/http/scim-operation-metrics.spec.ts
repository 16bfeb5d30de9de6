import 'reflect-metadata';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { scimOperationOf } from './scim-operation-metrics.interceptor';

describe('scimOperationOf', () => {
  it('maps SCIM route templates and methods to resource type and operation', () => {
    const cases: [string, string, string, string][] = [
      ['GET', '/scim/v2/Users', 'User', 'list'],
      ['POST', '/scim/v2/Users', 'User', 'create'],
      ['POST', '/scim/v2/Users/.search', 'User', 'search'],
      ['GET', '/scim/v2/Groups/:id', 'Group', 'get'],
      ['PUT', '/scim/v2/Groups/:id', 'Group', 'replace'],
      ['PATCH', '/scim/v2/Users/:id', 'User', 'patch'],
      ['DELETE', '/scim/v2/Users/:id', 'User', 'delete'],
      ['POST', '/scim/v2/Bulk', 'Bulk', 'bulk'],
    ];
    for (const [method, route, resourceType, operation] of cases) assert.deepEqual(scimOperationOf(method, route), { resourceType, operation }, `${method} ${route}`);
  });

  it('counts nothing else (discovery, admin, unmatched, unknown methods)', () => {
    for (const [method, route] of [
      ['GET', '/scim/v2/Schemas'],
      ['GET', '/scim/v2/ServiceProviderConfig'],
      ['POST', '/admin/tenants'],
      ['GET', 'unmatched'],
      ['DELETE', '/scim/v2/Users'],
      ['GET', '/scim/v2/Users/.search'],
    ]) {
      assert.equal(scimOperationOf(method, route), undefined, `${method} ${route}`);
    }
  });
});
