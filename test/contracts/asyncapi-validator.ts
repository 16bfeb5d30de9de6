import fs from 'node:fs';
import path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

/**
 * Validates Kafka records against docs/asyncapi.yaml — the document consumers code against — so
 * tests check what the apps really emit, not what their own code believes. Every function returns
 * the violations found (empty = conforms); `assertConforms` turns them into a test failure.
 *
 * JSON Schema covers one field at a time; what ties headers, key and data together (subject =
 * resourceId, key = tenant:subject, sequence = version, …) is checked here in code.
 */

export const ASYNCAPI_PATH = path.resolve(__dirname, '..', '..', 'docs', 'asyncapi.yaml');

export type JsonSchema = Record<string, unknown>;

export interface AsyncApiMessage {
  name?: string;
  title?: string;
  contentType?: string;
  headers?: JsonSchema;
  payload?: JsonSchema;
  bindings?: { kafka?: { key?: JsonSchema; bindingVersion?: string } };
  tags?: Array<{ name: string }>;
  [extension: `x-${string}`]: unknown;
}

export interface AsyncApiReference {
  $ref: string;
}

export interface AsyncApiChannel {
  address: string;
  description?: string;
  messages: Record<string, AsyncApiReference>;
  tags?: Array<{ name: string }>;
  bindings?: { kafka?: { topic?: string; partitions?: number; topicConfiguration?: Record<string, unknown> } };
  [extension: `x-${string}`]: unknown;
}

export interface AsyncApiOperation {
  action: 'send' | 'receive';
  channel: AsyncApiReference;
  messages?: AsyncApiReference[];
}

export interface AsyncApiDocument {
  asyncapi: string;
  info: { title: string; version: string };
  servers: Record<string, { host: string; protocol: string }>;
  channels: Record<string, AsyncApiChannel>;
  operations: Record<string, AsyncApiOperation>;
  components: { messages: Record<string, AsyncApiMessage>; schemas: Record<string, JsonSchema> };
}

/** What kafkajs hands a consumer (IHeaders) or a test builds by hand. */
export type RecordHeaders = Record<string, Buffer | string | Array<Buffer | string> | undefined>;
export type RecordBytes = Buffer | string | null | undefined;

/** Base URI the document is registered under in Ajv; refs are `asyncapi.yaml#/components/...`. */
const DOCUMENT_ID = 'asyncapi.yaml';

interface LoadedContract {
  document: AsyncApiDocument;
  ajv: Ajv;
  validators: Map<string, ValidateFunction>;
}

let loaded: LoadedContract | undefined;

export function loadAsyncApiDocument(file = ASYNCAPI_PATH): AsyncApiDocument {
  return parse(fs.readFileSync(file, 'utf8')) as AsyncApiDocument;
}

/** Ajv with formats, strict (an unknown keyword or a typo in the document is an error). */
export function createContractAjv(document: AsyncApiDocument): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, strictTuples: false });
  addFormats(ajv);
  // The document itself is not a schema; registering `components` as an annotation keyword lets
  // Ajv hold it whole so that local `#/components/schemas/...` refs resolve inside it.
  ajv.addKeyword({ keyword: 'components' });
  ajv.addSchema({ $id: DOCUMENT_ID, components: document.components });
  return ajv;
}

function contract(): LoadedContract {
  if (!loaded) {
    const document = loadAsyncApiDocument();
    loaded = { document, ajv: createContractAjv(document), validators: new Map() };
  }
  return loaded;
}

/** A validator for the schema at a JSON pointer into the document, e.g. `/components/schemas/ScimUser`. */
export function schemaValidator(pointer: string): ValidateFunction {
  const { ajv, validators } = contract();
  let validate = validators.get(pointer);
  if (!validate) {
    validate = ajv.compile({ $ref: `${DOCUMENT_ID}#${pointer}` });
    validators.set(pointer, validate);
  }
  return validate;
}

function messageIdOf(ref: AsyncApiReference): string {
  return ref.$ref.slice(ref.$ref.lastIndexOf('/') + 1);
}

/** The component message ids a channel (by its address, unprefixed) carries. */
export function channelMessageIds(address: string): string[] {
  const channel = Object.values(contract().document.channels).find((c) => c.address === address);
  if (!channel) throw new Error(`docs/asyncapi.yaml has no channel with address ${address}`);
  return Object.values(channel.messages).map(messageIdOf);
}

function describeErrors(where: string, errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${where}${e.instancePath || ''} ${e.message ?? e.keyword}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''}`);
}

function check(pointer: string, where: string, value: unknown): string[] {
  const validate = schemaValidator(pointer);
  return validate(value) ? [] : describeErrors(where, validate.errors);
}

function text(bytes: Buffer | string): string {
  return Buffer.isBuffer(bytes) ? bytes.toString('utf8') : bytes;
}

/** Header values as strings; a header repeated on one record is a violation of its own. */
export function decodeHeaders(headers: RecordHeaders | undefined): { values: Record<string, string>; violations: string[] } {
  const values: Record<string, string> = {};
  const violations: string[] = [];
  for (const [name, raw] of Object.entries(headers ?? {})) {
    if (raw === undefined) continue;
    if (Array.isArray(raw)) {
      if (raw.length !== 1) violations.push(`header ${name} appears ${raw.length} times`);
      if (raw.length > 0) values[name] = text(raw[raw.length - 1]);
      continue;
    }
    values[name] = text(raw);
  }
  return { values, violations };
}

type DecodedValue = { ok: true; value: unknown } | { ok: false; violation: string };

/** A record value as JSON (null stays null: a tombstone). Objects pass through, for hand-built records. */
function decodeJsonValue(value: RecordBytes | object): DecodedValue {
  if (value === null || value === undefined) return { ok: true, value: null };
  if (typeof value === 'string' || Buffer.isBuffer(value)) {
    try {
      return { ok: true, value: JSON.parse(text(value)) as unknown };
    } catch (err) {
      return { ok: false, violation: `value is not JSON: ${(err as Error).message}` };
    }
  }
  return { ok: true, value };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function messageFor(address: string, name: string): { id: string; message: AsyncApiMessage } | undefined {
  const { document } = contract();
  for (const id of channelMessageIds(address)) {
    const message = document.components.messages[id];
    if (message?.name === name) return { id, message };
  }
  return undefined;
}

const IDENTITY_EVENTS_ADDRESS = 'idsync.identity.events.v1';

/**
 * One record of idsync.identity.events.v1 (binary-mode CloudEvent): headers, JSON data and —
 * when given — the key, against the message its `ce_type` names, plus the cross-field rules.
 */
export function validateIdentityEvent(headers: RecordHeaders | undefined, value: RecordBytes | object, key?: RecordBytes): string[] {
  const decoded = decodeHeaders(headers);
  const violations = [...decoded.violations];
  const h = decoded.values;
  const type = h.ce_type;
  const found = type === undefined ? undefined : messageFor(IDENTITY_EVENTS_ADDRESS, type);
  if (!found) {
    violations.push(type === undefined ? 'header ce_type is missing' : `ce_type ${type} is not a message of ${IDENTITY_EVENTS_ADDRESS}`);
    violations.push(...check('/components/schemas/CloudEventHeaders', 'headers', h));
    return violations;
  }
  const base = `/components/messages/${found.id}`;
  violations.push(...check(`${base}/headers`, 'headers', h));
  const data = decodeJsonValue(value);
  if (!data.ok) return [...violations, data.violation];
  violations.push(...check(`${base}/payload`, 'data', data.value));
  if (key !== undefined) {
    if (key === null) violations.push('key is missing');
    else violations.push(...check(`${base}/bindings/kafka/key`, 'key', text(key)));
  }
  if (!isObject(data.value)) return violations;

  // Rules across headers, key and data that a per-field schema cannot state.
  const d = data.value;
  const actor = isObject(d.actor) ? `${String(d.actor.type)}:${String(d.actor.id)}` : undefined;
  if (h.ce_subject !== d.resourceId) violations.push(`ce_subject ${h.ce_subject} differs from data.resourceId ${String(d.resourceId)}`);
  if (h.ce_tenantid !== d.tenantId) violations.push(`ce_tenantid ${h.ce_tenantid} differs from data.tenantId ${String(d.tenantId)}`);
  if (h.ce_source !== `/idsync/tenants/${String(d.tenantId)}`) violations.push(`ce_source ${h.ce_source} is not /idsync/tenants/<data.tenantId>`);
  if (h.ce_actor !== actor) violations.push(`ce_actor ${h.ce_actor} differs from data.actor ${actor}`);
  if (h.ce_sequence !== undefined && Number(h.ce_sequence.split('.')[0]) !== d.version) {
    violations.push(`ce_sequence ${h.ce_sequence} does not carry data.version ${String(d.version)}`);
  }
  if (h.ce_id !== undefined && h.ce_changeid !== undefined && !h.ce_id.startsWith(`${h.ce_changeid}:`)) {
    violations.push(`ce_id ${h.ce_id} does not derive from ce_changeid ${h.ce_changeid}`);
  }
  if (isObject(d.resource) && d.resource.id !== d.resourceId) violations.push(`data.resource.id ${String(d.resource.id)} differs from data.resourceId`);
  if (key !== undefined && key !== null && text(key) !== `${h.ce_tenantid}:${h.ce_subject}`) {
    violations.push(`key ${text(key)} is not <ce_tenantid>:<ce_subject>`);
  }
  return violations;
}

export type StateTopic = 'idsync.identity.users.v1' | 'idsync.identity.groups.v1';

/**
 * One record of a compacted state topic (address without prefix): key `tenant:id`, value the
 * current resource (its id = the key's id) or null for a tombstone, `idsync-change-id` header.
 */
export function validateStateRecord(topic: StateTopic, key: RecordBytes, value: RecordBytes | object, headers?: RecordHeaders): string[] {
  const [id] = channelMessageIds(topic);
  const base = `/components/messages/${id}`;
  const violations: string[] = [];
  if (key === null || key === undefined) violations.push('key is missing (compaction needs one)');
  else violations.push(...check(`${base}/bindings/kafka/key`, 'key', text(key)));
  if (headers !== undefined) {
    const decoded = decodeHeaders(headers);
    violations.push(...decoded.violations, ...check(`${base}/headers`, 'headers', decoded.values));
  }
  const decoded = decodeJsonValue(value);
  if (!decoded.ok) return [...violations, decoded.violation];
  violations.push(...check(`${base}/payload`, 'value', decoded.value));
  if (isObject(decoded.value) && key !== null && key !== undefined) {
    const resourceId = text(key).split(':')[1];
    if (decoded.value.id !== resourceId) violations.push(`value.id ${String(decoded.value.id)} differs from the key's resource id ${resourceId}`);
  }
  return violations;
}

/** One record of idsync.deadletter.v1: the idsync-dlq-* headers (value and key are opaque). */
export function validateDeadLetter(headers: RecordHeaders | undefined): string[] {
  const decoded = decodeHeaders(headers);
  return [...decoded.violations, ...check('/components/messages/deadLetter/headers', 'headers', decoded.values)];
}

/** One record of the internal idsync.scim.changes.v1. */
export function validateScimChangeRecord(value: RecordBytes | object): string[] {
  const decoded = decodeJsonValue(value);
  return decoded.ok ? check('/components/messages/scimChange/payload', 'value', decoded.value) : [decoded.violation];
}

/** Throws (failing the test) with every violation and what was checked. */
export function assertConforms(violations: string[], what: string): void {
  if (violations.length > 0) throw new Error(`${what} does not conform to docs/asyncapi.yaml:\n  - ${violations.join('\n  - ')}`);
}
