import assert from 'node:assert/strict';
import type { GatewayHarness, ScimClient, ScimResponse } from './scim-harness';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

export type TenantClient = ScimClient & { tenantId: string; tokenId: string };
export type Json = Record<string, unknown>;

/**
 * Every request made through the returned client is checked: no 5xx other than the 501 that /Me
 * answers, and every error response carries the SCIM Error schema with the status as a string.
 */
export function guarded<T extends ScimClient>(client: T): T {
  const request = client.request.bind(client);
  client.request = async (method, path, body, headers) => {
    const res = await request(method, path, body, headers);
    assert.ok(res.status < 500 || res.status === 501, `${method} ${path} → ${res.status} ${res.text}`);
    if (res.status >= 400) {
      assert.deepEqual(res.body.schemas, [ERROR_SCHEMA], `${method} ${path} → ${res.status}: not a SCIM error: ${res.text}`);
      assert.equal(res.body.status, String(res.status), `${method} ${path}: status must be the HTTP status as a string`);
      assert.match(res.headers.get('content-type') ?? '', /application\/scim\+json/);
    }
    return res;
  };
  return client;
}

/** A fresh tenant whose client asserts the no-500 / SCIM-error rules on every response. */
export async function tenant(gw: GatewayHarness, name?: string): Promise<TenantClient> {
  return guarded(await gw.tenant(name));
}

export function expectStatus(res: ScimResponse, status: number): void {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
}

export function expectError(res: ScimResponse, status: number, scimType?: string): void {
  expectStatus(res, status);
  assert.deepEqual(res.body.schemas, [ERROR_SCHEMA]);
  assert.equal(res.body.status, String(status));
  if (scimType !== undefined) assert.equal(res.body.scimType, scimType, res.text);
}

export const q = (value: string): string => encodeURIComponent(value);

export function patch(...operations: Json[]): Json {
  return { schemas: [PATCH_OP], Operations: operations };
}

export function resources(res: ScimResponse): Json[] {
  return res.body.Resources as Json[];
}

export function ids(res: ScimResponse): string[] {
  return resources(res).map((r) => r.id as string);
}

export function meta(res: ScimResponse): { resourceType: string; created: string; lastModified: string; location: string; version: string } {
  return res.body.meta as ReturnType<typeof meta>;
}

/** Outbox and audit rows of a tenant (the relay marks outbox rows published; it never deletes them). */
export async function changeRows(gw: GatewayHarness, tenantId: string): Promise<{ outbox: number; audit: number }> {
  const [row] = (await gw.dataSource.query(
    `SELECT (SELECT count(*)::int FROM outbox WHERE tenant_id = $1) AS outbox,
            (SELECT count(*)::int FROM audit_log WHERE tenant_id = $1) AS audit`,
    [tenantId],
  )) as Array<{ outbox: number; audit: number }>;
  return row;
}

let seq = 0;
/** A unique user body; `extra` overrides or adds attributes. */
export function newUser(extra: Json = {}): Json {
  seq += 1;
  return {
    schemas: [USER_SCHEMA],
    userName: `user${seq}-${process.pid}@example.com`,
    name: { givenName: `Given${seq}`, familyName: `Family${seq}` },
    emails: [{ value: `user${seq}@example.com`, type: 'work', primary: true }],
    active: true,
    ...extra,
  };
}

export async function createUser(client: ScimClient, extra: Json = {}): Promise<Json & { id: string }> {
  const res = await client.post('/Users', newUser(extra));
  expectStatus(res, 201);
  return res.body as Json & { id: string };
}

export async function createGroup(client: ScimClient, displayName: string, memberIds: string[] = []): Promise<Json & { id: string }> {
  const res = await client.post('/Groups', {
    schemas: [GROUP_SCHEMA],
    displayName,
    ...(memberIds.length ? { members: memberIds.map((value) => ({ value })) } : {}),
  });
  expectStatus(res, 201);
  return res.body as Json & { id: string };
}
