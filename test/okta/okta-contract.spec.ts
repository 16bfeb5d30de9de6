import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OKTA_EVENT_MAPPING, OKTA_SOURCED_EVENT_TYPES, deriveOktaIdentityEvents, encodeOktaIdentityEvent, oktaHookRecordId, oktaSubjectId, parseOktaEventHookDelivery } from '@idsync/contracts';
import { validateIdentityEvent } from '../contracts/asyncapi-validator';
import { oktaDelivery, oktaEvent } from './okta-fixtures';

// Every Okta mapping, encoded as the worker publishes it, conforms to docs/asyncapi.yaml — linked
// or not, with a profile, without one (null), and the validator refuses a broken one.

const tenantId = '5f1c2a9e-7d4b-4c1e-9a3f-2b8d6e0c4a71';
const scimId = '0b7e3c52-1f9a-4d6e-8c2b-7a5d9e3f1c04';
const user = { id: '00u1a2b3c4d5e6f7g8h9', type: 'User', alternateId: 'ada@example.com', displayName: 'Ada' };

function consumed(encoded: ReturnType<typeof encodeOktaIdentityEvent>) {
  return { headers: Object.fromEntries(Object.entries(encoded.headers).map(([k, v]) => [k, Buffer.from(v)])), value: Buffer.from(encoded.value), key: Buffer.from(encoded.key) };
}

describe('Okta-sourced events conform to docs/asyncapi.yaml', () => {
  const contexts = [
    { subjectId: scimId, scimResourceId: scimId, oktaUser: { status: 'ACTIVE', profile: { login: 'ada@example.com', department: 'R&D' } } },
    { subjectId: oktaSubjectId(tenantId, user.id), scimResourceId: null, oktaUser: null },
  ];

  it('every mapping, linked and not, with and without a profile; together every Okta-sourced type', () => {
    const seen = new Set<string>();
    for (const oktaType of Object.keys(OKTA_EVENT_MAPPING)) {
      const extra = oktaType.startsWith('group.') ? [{ id: '00g1', type: 'UserGroup', displayName: 'Finance' }] : oktaType.startsWith('application.') ? [{ id: '0oa1', type: 'AppInstance', displayName: 'Payroll' }] : [];
      const parsed = parseOktaEventHookDelivery(oktaDelivery([oktaEvent(oktaType, user, { extraTargets: extra })]));
      assert.ok(parsed.ok);
      const record = { recordId: oktaHookRecordId(tenantId, parsed.events[0].uuid), tenantId, receivedAt: new Date().toISOString(), event: parsed.events[0] };
      for (const context of contexts) {
        for (const derived of deriveOktaIdentityEvents(record, context)) {
          const r = consumed(encodeOktaIdentityEvent(derived));
          assert.deepEqual(validateIdentityEvent(r.headers, r.value, r.key), [], `${oktaType} → ${derived.type}`);
          assert.equal(r.headers.ce_sequence, undefined, 'no sequence');
          seen.add(derived.type);
        }
      }
    }
    assert.deepEqual([...seen].sort(), Object.values(OKTA_SOURCED_EVENT_TYPES).sort());
  });

  it('the contract refuses a SCIM-looking payload under an Okta type, and a wrong actor', () => {
    const parsed = parseOktaEventHookDelivery(oktaDelivery([oktaEvent('user.account.lock', user)]));
    assert.ok(parsed.ok);
    const record = { recordId: oktaHookRecordId(tenantId, parsed.events[0].uuid), tenantId, receivedAt: new Date().toISOString(), event: parsed.events[0] };
    const [derived] = deriveOktaIdentityEvents(record, contexts[0]);
    const r = consumed(encodeOktaIdentityEvent(derived));
    assert.ok(validateIdentityEvent(r.headers, Buffer.from(JSON.stringify({ ...derived.data, version: 3 })), r.key).length > 0, 'unknown field');
    assert.ok(validateIdentityEvent({ ...r.headers, ce_actor: Buffer.from('scim-token:x') }, r.value, r.key).length > 0, 'actor');
    assert.ok(validateIdentityEvent(r.headers, Buffer.from(JSON.stringify({ ...derived.data, resourceId: scimId.replace('0b', '1b') })), r.key).length > 0, 'subject');
  });
});
