import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeScimChangeRecord, parseScimChangeRecord } from './scim-change.guard';

const valid = {
  changeId: 'c1',
  tenantId: 't1',
  resourceType: 'User',
  resourceId: 'u1',
  operation: 'patch',
  version: 2,
  occurredAt: '2026-01-02T03:04:05.000Z',
  actor: { type: 'scim-token', id: 'tok' },
  changedAttributes: ['active'],
  resource: { id: 'u1', active: false },
  previous: { active: true },
};

function errorOf(value: unknown): string {
  const result = parseScimChangeRecord(value);
  assert.equal(result.ok, false);
  return result.ok ? '' : result.error;
}

describe('parseScimChangeRecord', () => {
  it('accepts a well-formed record and returns it', () => {
    const result = parseScimChangeRecord(valid);
    assert.ok(result.ok);
    assert.deepEqual(result.record, valid);
  });

  it('defaults a missing previous to null', () => {
    const { previous: _p, ...rest } = valid;
    const result = parseScimChangeRecord(rest);
    assert.ok(result.ok);
    assert.equal(result.record.previous, null);
  });

  it('accepts a delete with null resource and previous members with types', () => {
    const result = parseScimChangeRecord({ ...valid, resourceType: 'Group', operation: 'delete', resource: null, previous: { memberIds: ['m'], memberTypes: { m: 'Group' } } });
    assert.ok(result.ok);
  });

  it('rejects non-objects', () => {
    for (const v of [null, 'text', 42, [valid]]) assert.match(errorOf(v), /JSON object/);
  });

  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['missing changeId', { changeId: undefined }, /changeId/],
    ['empty tenantId', { tenantId: '' }, /tenantId/],
    ['unknown resourceType', { resourceType: 'Device' }, /resourceType/],
    ['unknown operation', { operation: 'upsert' }, /operation/],
    ['version 0', { version: 0 }, /version/],
    ['fractional version', { version: 1.5 }, /version/],
    ['version as a string', { version: '2' }, /version/],
    ['bad occurredAt', { occurredAt: 'yesterday' }, /occurredAt/],
    ['unknown actor type', { actor: { type: 'robot', id: 'x' } }, /actor/],
    ['changedAttributes not strings', { changedAttributes: [1] }, /changedAttributes/],
    ['resource on delete', { operation: 'delete' }, /null on delete/],
    ['no resource on patch', { resource: null }, /resource must be an object/],
    ['resource id mismatch', { resource: { id: 'other' } }, /resource.id/],
    ['previous.active not boolean', { previous: { active: 'yes' } }, /previous.active/],
    ['previous.memberIds not strings', { previous: { memberIds: [1] } }, /memberIds/],
    ['previous.memberTypes bad kind', { previous: { memberTypes: { m: 'Device' } } }, /memberTypes/],
  ];
  for (const [name, patch, error] of cases) {
    it(`rejects ${name}`, () => assert.match(errorOf({ ...valid, ...patch }), error));
  }
});

describe('decodeScimChangeRecord', () => {
  it('decodes UTF-8 JSON bytes and validates them', () => {
    const result = decodeScimChangeRecord(Buffer.from(JSON.stringify(valid)));
    assert.ok(result.ok);
    assert.equal(result.record.changeId, 'c1');
  });

  it('rejects null, non-JSON, invalid UTF-8 and valid JSON that is not a change record', () => {
    const error = (v: Uint8Array | string | null) => {
      const r = decodeScimChangeRecord(v);
      return r.ok ? '' : r.error;
    };
    assert.match(error(null), /null/);
    assert.match(error(Buffer.from('not json')), /not JSON/);
    assert.match(error(Buffer.from('{"changeId": ')), /not JSON/);
    assert.match(error(Buffer.from([0xff, 0xfe, 0x00])), /not JSON/);
    assert.match(error('{"hello":"world"}'), /changeId/);
  });
});
