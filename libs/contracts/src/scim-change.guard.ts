import type { ScimChangeActor, ScimChangeOperation, ScimChangePrevious, ScimChangeRecord, ScimResourceKind } from './scim-change';

export type ScimChangeParseResult = { ok: true; record: ScimChangeRecord } | { ok: false; error: string };

const OPERATIONS: readonly ScimChangeOperation[] = ['create', 'replace', 'patch', 'delete', 'resync'];
const KINDS: readonly ScimResourceKind[] = ['User', 'Group'];
const ACTOR_TYPES: readonly ScimChangeActor['type'][] = ['scim-token', 'admin', 'okta-hook', 'system'];
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function includes<T extends string>(list: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (list as readonly string[]).includes(value);
}

/** The first reason `previous` is malformed, or undefined. */
function previousProblem(previous: unknown): string | undefined {
  if (previous === undefined || previous === null) return undefined;
  if (!isObject(previous)) return 'previous must be an object or null';
  if (previous.active !== undefined && typeof previous.active !== 'boolean') return 'previous.active must be a boolean';
  if (previous.memberIds !== undefined && !isStringArray(previous.memberIds)) return 'previous.memberIds must be an array of strings';
  if (previous.memberTypes !== undefined) {
    if (!isObject(previous.memberTypes) || !Object.values(previous.memberTypes).every((t) => includes(KINDS, t))) {
      return 'previous.memberTypes must map ids to User or Group';
    }
  }
  return undefined;
}

/**
 * Validates a decoded idsync.scim.changes.v1 value. Hand-written (no decorators) so the pure
 * derivation can rely on every field it reads; the first problem found is the error.
 */
export function parseScimChangeRecord(value: unknown): ScimChangeParseResult {
  const fail = (error: string): ScimChangeParseResult => ({ ok: false, error });
  if (!isObject(value)) return fail('change record must be a JSON object');
  if (!isNonEmptyString(value.changeId)) return fail('changeId must be a non-empty string');
  if (!isNonEmptyString(value.tenantId)) return fail('tenantId must be a non-empty string');
  if (!includes(KINDS, value.resourceType)) return fail('resourceType must be User or Group');
  if (!isNonEmptyString(value.resourceId)) return fail('resourceId must be a non-empty string');
  if (!includes(OPERATIONS, value.operation)) return fail(`operation must be one of ${OPERATIONS.join(', ')}`);
  if (typeof value.version !== 'number' || !Number.isSafeInteger(value.version) || value.version < 1) return fail('version must be a positive integer');
  if (typeof value.occurredAt !== 'string' || !ISO_TIMESTAMP.test(value.occurredAt) || Number.isNaN(Date.parse(value.occurredAt))) {
    return fail('occurredAt must be an ISO 8601 timestamp');
  }
  const actor = value.actor;
  if (!isObject(actor) || !includes(ACTOR_TYPES, actor.type) || !isNonEmptyString(actor.id)) return fail('actor must be {type, id} with a known type');
  if (!isStringArray(value.changedAttributes)) return fail('changedAttributes must be an array of strings');
  if (value.operation === 'delete') {
    if (value.resource !== null) return fail('resource must be null on delete');
  } else {
    if (!isObject(value.resource)) return fail(`resource must be an object on ${value.operation}`);
    if (value.resource.id !== undefined && value.resource.id !== value.resourceId) return fail('resource.id differs from resourceId');
  }
  const problem = previousProblem(value.previous);
  if (problem) return fail(problem);
  return {
    ok: true,
    record: {
      changeId: value.changeId,
      tenantId: value.tenantId,
      resourceType: value.resourceType,
      resourceId: value.resourceId,
      operation: value.operation,
      version: value.version,
      occurredAt: value.occurredAt,
      actor: { type: actor.type, id: actor.id },
      changedAttributes: value.changedAttributes,
      resource: value.operation === 'delete' ? null : (value.resource as JsonObject),
      previous: (value.previous as ScimChangePrevious | null | undefined) ?? null,
    },
  };
}

/** Decodes and validates a raw idsync.scim.changes.v1 value (UTF-8 JSON). */
export function decodeScimChangeRecord(value: Uint8Array | string | null): ScimChangeParseResult {
  if (value === null) return { ok: false, error: 'record value is null' };
  let json: unknown;
  try {
    json = JSON.parse(typeof value === 'string' ? value : new TextDecoder('utf-8', { fatal: true }).decode(value));
  } catch (err) {
    return { ok: false, error: `record value is not JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  return parseScimChangeRecord(json);
}
