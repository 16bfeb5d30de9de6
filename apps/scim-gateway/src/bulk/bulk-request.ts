import { SCIM_SCHEMAS, ScimError, type ScimJsonObject, type ScimResourceTypeId } from '@idsync/identity';

export type BulkMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One validated entry of BulkRequest.Operations (RFC 7644 §3.7). */
export interface BulkOperation {
  /** Position in the request; responses are reported in this order. */
  index: number;
  method: BulkMethod;
  /** As sent: may still contain a `bulkId:` reference in its id segment. */
  path: string;
  bulkId?: string;
  /** ETag the client expects (acts as If-Match). */
  version?: string;
  data?: ScimJsonObject;
}

export interface BulkRequest {
  operations: BulkOperation[];
  /** Stop after this many failed operations; undefined = process everything. */
  failOnErrors?: number;
}

const METHODS: readonly BulkMethod[] = ['POST', 'PUT', 'PATCH', 'DELETE'];
const ENDPOINT_TYPES: Record<string, ScimResourceTypeId> = { Users: 'User', Groups: 'Group' };
const RESOURCE_PATH = /^\/(Users|Groups)(?:\/([^/?#]+))?\/?$/;

function isObject(value: unknown): value is ScimJsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `/Users`, `/Groups/{id}` (id possibly `bulkId:x`) → resource type and id; undefined for any other path. */
export function parseResourcePath(path: string): { type: ScimResourceTypeId; id?: string } | undefined {
  const match = RESOURCE_PATH.exec(path);
  if (!match) return undefined;
  return { type: ENDPOINT_TYPES[match[1]], id: match[2] !== undefined ? decodeURIComponent(match[2]) : undefined };
}

/**
 * Checks the BulkRequest as a whole before anything is executed, so a malformed request changes
 * nothing (per-operation failures, by contrast, are reported in the BulkResponse).
 */
export function parseBulkRequest(body: unknown, maxOperations: number): BulkRequest {
  if (!isObject(body)) throw ScimError.badRequest('invalidSyntax', 'BulkRequest body must be a JSON object');
  if (!Array.isArray(body.schemas) || !body.schemas.includes(SCIM_SCHEMAS.bulkRequest)) {
    throw ScimError.badRequest('invalidSyntax', `BulkRequest must declare schema ${SCIM_SCHEMAS.bulkRequest}`);
  }
  const rawOperations = body.Operations;
  if (!Array.isArray(rawOperations)) throw ScimError.badRequest('invalidSyntax', 'BulkRequest.Operations must be an array');
  // RFC 7644 §3.7.4: too many operations is answered with 413 before any is processed.
  if (rawOperations.length > maxOperations) {
    throw new ScimError(413, undefined, `The bulk request has ${rawOperations.length} operations; maxOperations is ${maxOperations}`);
  }
  let failOnErrors: number | undefined;
  if (body.failOnErrors !== undefined && body.failOnErrors !== null) {
    if (typeof body.failOnErrors !== 'number' || !Number.isInteger(body.failOnErrors) || body.failOnErrors < 1) {
      throw ScimError.badRequest('invalidValue', 'failOnErrors must be a positive integer');
    }
    failOnErrors = body.failOnErrors;
  }
  const bulkIds = new Set<string>();
  const operations = rawOperations.map((raw, index) => {
    const operation = parseOperation(raw, index);
    if (operation.bulkId !== undefined) {
      if (bulkIds.has(operation.bulkId)) throw ScimError.badRequest('invalidValue', `Operations[${index}]: bulkId "${operation.bulkId}" is used more than once`);
      bulkIds.add(operation.bulkId);
    }
    return operation;
  });
  return { operations, failOnErrors };
}

function parseOperation(raw: unknown, index: number): BulkOperation {
  const where = `Operations[${index}]`;
  if (!isObject(raw)) throw ScimError.badRequest('invalidSyntax', `${where} must be an object`);
  const method = typeof raw.method === 'string' ? raw.method.toUpperCase() : undefined;
  if (!method || !METHODS.includes(method as BulkMethod)) throw ScimError.badRequest('invalidValue', `${where}.method must be one of ${METHODS.join(', ')}`);
  if (typeof raw.path !== 'string') throw ScimError.badRequest('invalidSyntax', `${where}.path is required`);
  const target = parseResourcePath(raw.path);
  if (!target) throw ScimError.badRequest('invalidPath', `${where}.path must be /Users, /Groups, /Users/{id} or /Groups/{id}`);
  if (method === 'POST' && target.id !== undefined) throw ScimError.badRequest('invalidPath', `${where}: POST must target /Users or /Groups`);
  if (method !== 'POST' && target.id === undefined) throw ScimError.badRequest('invalidPath', `${where}: ${method} must target a resource, e.g. /Users/{id}`);
  for (const attr of ['bulkId', 'version'] as const) {
    if (raw[attr] !== undefined && (typeof raw[attr] !== 'string' || raw[attr] === '')) {
      throw ScimError.badRequest('invalidValue', `${where}.${attr} must be a non-empty string`);
    }
  }
  const bulkId = raw.bulkId as string | undefined;
  if (method === 'POST' && bulkId === undefined) throw ScimError.badRequest('invalidValue', `${where}: bulkId is required with POST`);
  if (method !== 'DELETE' && !isObject(raw.data)) throw ScimError.badRequest('invalidSyntax', `${where}.data must be an object for ${method}`);
  return {
    index,
    method: method as BulkMethod,
    path: raw.path,
    bulkId,
    version: raw.version as string | undefined,
    data: method === 'DELETE' ? undefined : (raw.data as ScimJsonObject),
  };
}
