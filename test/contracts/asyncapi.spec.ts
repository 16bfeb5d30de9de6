import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  DEAD_LETTER_HEADERS,
  IDENTITY_EVENT_TYPES,
  USER_ERASED_EVENT_TYPE,
  encodeUserErasedEvent,
  OKTA_SOURCED_EVENT_TYPES,
  TOPICS,
  topicDefinitions,
  deriveCurrentState,
  deriveIdentityEvents,
  encodeIdentityEvent,
  type DerivedIdentityEvent,
  type ScimChangeRecord,
} from '@idsync/contracts';
import {
  channelMessageIds,
  createContractAjv,
  loadAsyncApiDocument,
  schemaValidator,
  validateDeadLetter,
  validateIdentityEvent,
  validateScimChangeRecord,
  validateStateRecord,
  type JsonSchema,
} from './asyncapi-validator';

// docs/asyncapi.yaml is the public contract: this spec keeps it well-formed, complete with
// respect to libs/contracts, and in agreement with the pure event derivation the worker uses.

const document = loadAsyncApiDocument();

/** Every `$ref` string in the document with the JSON path it was found at. */
function refsIn(node: unknown, at = '#'): Array<{ ref: string; at: string }> {
  if (Array.isArray(node)) return node.flatMap((v, i) => refsIn(v, `${at}/${i}`));
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([k, v]) => (k === '$ref' && typeof v === 'string' ? [{ ref: v, at }] : refsIn(v, `${at}/${k}`)));
}

function resolvePointer(ref: string): unknown {
  assert.ok(ref.startsWith('#/'), `only local refs are used: ${ref}`);
  let node: unknown = document;
  for (const part of ref.slice(2).split('/')) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node;
}

const tenantId = randomUUID();
const tokenId = randomUUID();

function scimUser(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    id,
    userName: 'ada@example.com',
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    emails: [{ value: 'ada@example.com', type: 'work', primary: true }],
    active: true,
    meta: {
      resourceType: 'User',
      created: '2026-11-24T06:00:00.000Z',
      lastModified: '2026-11-24T06:00:00.000Z',
      location: `https://idsync.example.com/scim/v2/Users/${id}`,
      version: 'W/"1"',
    },
    ...extra,
  };
}

function scimGroup(id: string, memberIds: string[]): Record<string, unknown> {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    id,
    displayName: 'Engineering',
    members: memberIds.map((value) => ({ value, type: 'User', display: 'someone' })),
    meta: {
      resourceType: 'Group',
      created: '2026-11-24T06:00:00.000Z',
      lastModified: '2026-11-24T06:00:00.000Z',
      location: `https://idsync.example.com/scim/v2/Groups/${id}`,
      version: 'W/"2"',
    },
  };
}

function change(partial: Partial<ScimChangeRecord> & Pick<ScimChangeRecord, 'resourceType' | 'resourceId' | 'operation' | 'version' | 'resource'>): ScimChangeRecord {
  return {
    changeId: randomUUID(),
    tenantId,
    occurredAt: '2026-11-24T06:00:00.000Z',
    actor: { type: 'scim-token', id: tokenId },
    changedAttributes: [],
    previous: null,
    ...partial,
  };
}

/** The Kafka record of a derived event the way binary mode encodes it (headers as Buffers, as consumed). */
function asConsumed(derived: DerivedIdentityEvent): { key: Buffer; value: Buffer; headers: Record<string, Buffer> } {
  const record = encodeIdentityEvent(derived);
  const headers = Object.fromEntries(Object.entries(record.headers).map(([name, value]) => [name, Buffer.from(value)]));
  return { key: Buffer.from(record.key), value: Buffer.from(record.value), headers };
}

describe('docs/asyncapi.yaml', () => {
  it('is an AsyncAPI 3.0.0 document with a local Kafka server', () => {
    assert.equal(document.asyncapi, '3.0.0');
    assert.ok(document.info.title && document.info.version);
    assert.deepEqual(document.servers.local, { ...document.servers.local, host: '127.0.0.1:19092', protocol: 'kafka' });
  });

  it('has a channel for every topic in libs/contracts TOPICS, with its Kafka binding', () => {
    const channels = Object.values(document.channels);
    for (const topic of Object.values(TOPICS)) {
      const channel = channels.find((c) => c.address === topic);
      assert.ok(channel, `no channel for ${topic}`);
      assert.equal(channel.bindings?.kafka?.topic, topic);
      assert.match(channel.description ?? '', /\{prefix\}/, `${topic}: the description explains KAFKA_TOPIC_PREFIX`);
    }
    assert.equal(channels.length, Object.values(TOPICS).length);
    const scimChanges = channels.find((c) => c.address === TOPICS.scimChanges);
    assert.equal(scimChanges?.['x-idsync-internal'], true, 'the raw change topic is marked internal');
    for (const address of [TOPICS.users, TOPICS.groups]) {
      const channel = channels.find((c) => c.address === address);
      assert.deepEqual(channel?.bindings?.kafka?.topicConfiguration?.['cleanup.policy'], ['compact']);
    }
  });

  it('states the topic configs the apps create topics with (libs/contracts topicDefinitions) in each Kafka binding', () => {
    const channels = Object.values(document.channels);
    for (const definition of topicDefinitions('')) {
      const configuration = channels.find((c) => c.address === definition.name)?.bindings?.kafka?.topicConfiguration ?? {};
      const configs = Object.fromEntries((definition.configEntries ?? []).map((e) => [e.name, e.value]));
      assert.deepEqual(configuration['cleanup.policy'], [configs['cleanup.policy'] ?? 'delete'], `${definition.name}: cleanup.policy`);
      const maxMessageBytes = configuration['max.message.bytes'] as number | undefined;
      assert.equal(maxMessageBytes === undefined ? undefined : String(maxMessageBytes), configs['max.message.bytes'], `${definition.name}: max.message.bytes`);
    }
  });

  it('enumerates every IDENTITY_EVENT_TYPES and OKTA_SOURCED_EVENT_TYPES type: in ce_type and as one message each on the events channel', () => {
    // idsync.user.erased comes from `idsync subject erase`, not from the event derivation.
    const types = [...Object.values(IDENTITY_EVENT_TYPES), ...Object.values(OKTA_SOURCED_EVENT_TYPES), USER_ERASED_EVENT_TYPE];
    const headerSchema = document.components.schemas.CloudEventHeaders as { properties: { ce_type: { enum: string[] } } };
    assert.deepEqual([...headerSchema.properties.ce_type.enum].sort(), [...types].sort());
    const names = channelMessageIds(TOPICS.identityEvents).map((id) => document.components.messages[id].name);
    assert.deepEqual([...names].sort(), [...types].sort());
    for (const id of channelMessageIds(TOPICS.identityEvents)) {
      const message = document.components.messages[id];
      const pinned = schemaValidator(`/components/messages/${id}/headers`);
      assert.equal(pinned({ ce_type: 'idsync.not.a.type' }), false, `${id}: headers pin ce_type`);
      assert.ok(
        (pinned.errors ?? []).some((e) => e.keyword === 'const' && e.instancePath === '/ce_type'),
        `${id} headers must pin ce_type to ${message.name}`,
      );
    }
  });

  it('names the dead-letter headers of libs/contracts DEAD_LETTER_HEADERS, all required', () => {
    const schema = document.components.schemas.DeadLetterHeaders as { required: string[] };
    assert.deepEqual([...schema.required].sort(), Object.values(DEAD_LETTER_HEADERS).sort());
  });

  it('resolves every $ref; operations point at their channel and that channel’s messages', () => {
    for (const { ref, at } of refsIn(document)) assert.notEqual(resolvePointer(ref), undefined, `${at}: ${ref} does not resolve`);
    for (const [name, operation] of Object.entries(document.operations)) {
      assert.equal(operation.action, 'receive', `${name}: consumers receive`);
      const channelRef = operation.channel.$ref;
      for (const message of operation.messages ?? []) {
        assert.ok(message.$ref.startsWith(`${channelRef}/messages/`), `${name}: ${message.$ref} is not a message of ${channelRef}`);
      }
    }
  });

  it('compiles every schema with Ajv in strict mode (formats included)', () => {
    const ajv = createContractAjv(document);
    for (const name of Object.keys(document.components.schemas)) ajv.compile({ $ref: `asyncapi.yaml#/components/schemas/${name}` });
    for (const [id, message] of Object.entries(document.components.messages)) {
      for (const part of ['headers', 'payload'] as const) {
        if (message[part]) ajv.compile({ $ref: `asyncapi.yaml#/components/messages/${id}/${part}` });
      }
      if (message.bindings?.kafka?.key) ajv.compile({ $ref: `asyncapi.yaml#/components/messages/${id}/bindings/kafka/key` });
      assert.equal(message.bindings?.kafka?.bindingVersion, '0.5.0', `${id}: Kafka message binding`);
      // AsyncAPI: a message's headers schema must be of type object.
      if (message.headers && !('$ref' in message.headers)) assert.equal(message.headers.type, 'object', `${id}: headers type`);
    }
    // Strictness is real: an unknown keyword is refused, not ignored.
    assert.throws(() => createContractAjv(document).compile({ type: 'object', requird: ['x'] } as JsonSchema), /unknown keyword/);
  });
});

describe('docs/asyncapi.yaml agrees with the event derivation (libs/contracts)', () => {
  const userId = randomUUID();
  const groupId = randomUUID();
  const memberA = randomUUID();
  const memberB = randomUUID();

  const changes: ScimChangeRecord[] = [
    change({ resourceType: 'User', resourceId: userId, operation: 'create', version: 1, resource: scimUser(userId), changedAttributes: ['userName', 'name', 'emails', 'active'] }),
    change({ resourceType: 'User', resourceId: userId, operation: 'patch', version: 2, resource: scimUser(userId, { displayName: 'Ada' }), changedAttributes: ['displayName'], previous: { active: true } }),
    change({ resourceType: 'User', resourceId: userId, operation: 'patch', version: 3, resource: scimUser(userId, { active: false }), changedAttributes: ['active'], previous: { active: true } }),
    change({ resourceType: 'User', resourceId: userId, operation: 'replace', version: 4, resource: scimUser(userId, { active: true }), changedAttributes: ['active'], previous: { active: false } }),
    change({ resourceType: 'User', resourceId: userId, operation: 'delete', version: 5, resource: null, previous: { active: true } }),
    change({ resourceType: 'Group', resourceId: groupId, operation: 'create', version: 1, resource: scimGroup(groupId, [memberA]), changedAttributes: ['displayName', 'members'], previous: { memberIds: [] } }),
    change({
      resourceType: 'Group',
      resourceId: groupId,
      operation: 'patch',
      version: 2,
      resource: { ...scimGroup(groupId, [memberB]), displayName: 'Eng' },
      changedAttributes: ['displayName', 'members'],
      previous: { memberIds: [memberA], memberTypes: { [memberA]: 'User' } },
    }),
    change({ resourceType: 'Group', resourceId: groupId, operation: 'delete', version: 3, resource: null, previous: { memberIds: [memberB], memberTypes: { [memberB]: 'User' } } }),
    // Reconciliation's corrective re-statements (docs/RELIABILITY.md).
    change({ resourceType: 'User', resourceId: userId, operation: 'resync', version: 5, resource: scimUser(userId), actor: { type: 'system', id: 'reconcile' } }),
    change({ resourceType: 'Group', resourceId: groupId, operation: 'resync', version: 3, resource: scimGroup(groupId, [memberB]), actor: { type: 'system', id: 'reconcile' } }),
  ];

  it('every derived event, encoded in binary mode, conforms — and together they cover every event type', () => {
    const seen = new Set<string>();
    for (const c of changes) {
      for (const derived of deriveIdentityEvents(c)) {
        const record = asConsumed(derived);
        assert.deepEqual(validateIdentityEvent(record.headers, record.value, record.key), [], `${derived.type} (${derived.id})`);
        seen.add(derived.type);
      }
    }
    assert.deepEqual([...seen].sort(), Object.values(IDENTITY_EVENT_TYPES).sort());
  });

  it('every derived state record conforms, tombstones included', () => {
    for (const c of changes) {
      const state = deriveCurrentState(c);
      const topic = state.kind === 'User' ? TOPICS.users : TOPICS.groups;
      const value = state.value === null ? null : Buffer.from(JSON.stringify(state.value));
      assert.deepEqual(validateStateRecord(topic, Buffer.from(state.key), value, { 'idsync-change-id': c.changeId }), [], `${c.resourceType} ${c.operation}`);
    }
  });

  it('the internal change records conform to ScimChangeRecord', () => {
    for (const c of changes) assert.deepEqual(validateScimChangeRecord(Buffer.from(JSON.stringify(c))), [], `${c.resourceType} ${c.operation}`);
    assert.notDeepEqual(validateScimChangeRecord({ ...changes[0], resource: null }), [], 'create without resource');
    assert.notDeepEqual(validateScimChangeRecord({ ...changes[4], resource: {} }), [], 'delete with a resource');
  });
});

describe('the validator refuses what the contract forbids', () => {
  const userId = randomUUID();
  const created = deriveIdentityEvents(
    change({ resourceType: 'User', resourceId: userId, operation: 'create', version: 1, resource: scimUser(userId), changedAttributes: ['userName'] }),
  )[0];
  const base = asConsumed(created);
  const violationsWith = (headers: Record<string, Buffer | string | undefined>, data: Record<string, unknown> = created.data as unknown as Record<string, unknown>, key: Buffer | null = base.key) =>
    validateIdentityEvent({ ...base.headers, ...headers }, Buffer.from(JSON.stringify(data)), key);

  it('a password in the resource, even with another case', () => {
    const leaked = { ...created.data, resource: { ...created.data.resource, Password: 'hunter2' } };
    assert.ok(violationsWith({}, leaked).some((v) => v.includes('/resource')));
  });

  it('a missing or unknown CloudEvents header, a wrong content type, a malformed sequence', () => {
    assert.ok(violationsWith({ ce_id: undefined }).some((v) => v.includes('ce_id')));
    assert.ok(violationsWith({ ce_type: 'idsync.user.exploded' }).some((v) => v.includes('not a message')));
    assert.ok(violationsWith({ 'content-type': 'text/plain' }).length > 0);
    assert.ok(violationsWith({ ce_sequence: '1' }).length > 0);
  });

  it('headers that disagree with the data or the key', () => {
    assert.ok(violationsWith({ ce_subject: randomUUID() }).some((v) => v.includes('ce_subject')));
    assert.ok(violationsWith({ ce_sequence: '000000000002' }).some((v) => v.includes('ce_sequence')));
    assert.ok(violationsWith({}, undefined, Buffer.from(`${tenantId}:${randomUUID()}`)).some((v) => v.includes('key')));
  });

  it('a deactivation whose user is still active; an unknown data field', () => {
    assert.ok(violationsWith({ ce_type: IDENTITY_EVENT_TYPES.userDeactivated }).some((v) => v.includes('/resource/active')));
    assert.ok(violationsWith({}, { ...created.data, extra: 1 }).some((v) => v.includes('additional')));
  });

  it('a dead letter without its idsync-dlq-* headers; a state record without a key', () => {
    assert.ok(validateDeadLetter({ 'idsync-dlq-error': 'boom' }).length >= 4);
    assert.deepEqual(
      validateDeadLetter({
        'idsync-dlq-error': 'invalid change record: changeId must be a non-empty string',
        'idsync-dlq-original-topic': 'idsync.scim.changes.v1',
        'idsync-dlq-original-partition': '3',
        'idsync-dlq-original-offset': '42',
        'idsync-dlq-failed-at': new Date().toISOString(),
        'idsync-change-id': 'abc',
      }),
      [],
    );
    assert.ok(validateStateRecord(TOPICS.users, null, null).some((v) => v.includes('key')));
  });
});

describe('docs/EVENTS.md examples conform to docs/asyncapi.yaml', () => {
  const markdown = fs.readFileSync(path.resolve(__dirname, '..', '..', 'docs', 'EVENTS.md'), 'utf8');
  interface ExampleRecord {
    key: string;
    headers: Record<string, string>;
    value: unknown;
  }
  const examples = [...markdown.matchAll(/```json\n([\s\S]*?)\n```/g)]
    .map((m) => JSON.parse(m[1]) as unknown)
    .filter((x): x is ExampleRecord => typeof x === 'object' && x !== null && 'headers' in x && 'key' in x);

  it('one valid example per event type', () => {
    const events = examples.filter((x) => x.headers.ce_type !== undefined);
    for (const example of events) {
      assert.deepEqual(validateIdentityEvent(example.headers, JSON.stringify(example.value), example.key), [], example.headers.ce_type);
    }
    // One per SCIM-derived type; the Okta-sourced types share two data shapes, so a few examples show them.
    const okta = new Set<string>(Object.values(OKTA_SOURCED_EVENT_TYPES));
    assert.deepEqual(events.map((x) => x.headers.ce_type).filter((t) => !okta.has(t)).sort(), [...Object.values(IDENTITY_EVENT_TYPES), USER_ERASED_EVENT_TYPE].sort());
    assert.ok(events.some((x) => okta.has(x.headers.ce_type)), 'at least one Okta-sourced example');
  });

  it('the state record example is valid', () => {
    const states = examples.filter((x) => x.headers.ce_type === undefined);
    assert.equal(states.length, 1);
    assert.deepEqual(validateStateRecord(TOPICS.users, states[0].key, JSON.stringify(states[0].value), states[0].headers), []);
  });
});

describe('docs/asyncapi.yaml agrees with the erasure event (libs/contracts encodeUserErasedEvent)', () => {
  it('the encoded idsync.user.erased conforms and carries only ids', () => {
    const tenantId = randomUUID();
    const resourceId = randomUUID();
    const record = encodeUserErasedEvent({ tenantId, resourceType: 'User', resourceId, erasureId: randomUUID(), erasedAt: new Date().toISOString(), version: 3, actor: { type: 'admin', id: 'cli:alice' } });
    assert.deepEqual(validateIdentityEvent(record.headers, JSON.stringify(record.value), record.key), []);
    assert.deepEqual(validateIdentityEvent({ ...record.headers, ce_type: 'idsync.user.deleted' }, JSON.stringify(record.value), record.key).length > 0, true, 'the erased data is not a deleted event');
  });
});
