import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { attributeDiff } from './attribute-diff';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe('attributeDiff', () => {
  it('lists changed paths with before/after, descending into complex attributes and extensions', () => {
    const before = { schemas: ['a'], userName: 'ann', name: { givenName: 'Ann', familyName: 'Lee' }, active: true, [ENTERPRISE]: { manager: { value: 'm1' }, department: 'R&D' } };
    const after = { schemas: ['b'], userName: 'ann', name: { givenName: 'Anne', familyName: 'Lee' }, title: 'CTO', [ENTERPRISE]: { manager: { value: 'm2' }, department: 'R&D' } };
    assert.deepEqual(attributeDiff(before, after), [
      { path: 'active', before: true },
      { path: 'name.givenName', before: 'Ann', after: 'Anne' },
      { path: 'title', after: 'CTO' },
      { path: `${ENTERPRISE}:manager.value`, before: 'm1', after: 'm2' },
    ]);
  });

  it('ignores key order and unchanged multi-valued attributes; compares other lists whole', () => {
    const emails = [{ value: 'a@x', type: 'work' }];
    assert.deepEqual(attributeDiff({ emails, name: { a: 1, b: 2 } }, { name: { b: 2, a: 1 }, emails: [{ type: 'work', value: 'a@x' }] }), []);
    assert.deepEqual(attributeDiff({ emails }, { emails: [{ value: 'b@x' }] }), [{ path: 'emails', before: emails, after: [{ value: 'b@x' }] }]);
  });

  it('diffs set attributes (group members) as added/removed values', () => {
    const diff = attributeDiff({ members: [{ value: 'u1' }, { value: 'u2' }] }, { members: [{ value: 'u2' }, { value: 'u3' }] }, { setAttributes: ['members'] });
    assert.deepEqual(diff, [{ path: 'members', added: ['u3'], removed: ['u1'] }]);
    assert.deepEqual(attributeDiff(undefined, { members: [{ value: 'u1' }] }, { setAttributes: ['members'] }), [{ path: 'members', added: ['u1'], removed: [] }]);
  });

  it('never records a password value, at any depth; a changed password is a redacted path', () => {
    const diff = attributeDiff({ userName: 'a' }, { userName: 'b', password: 'S3cret!', x: { Password: 'p2', keep: 1 } }, { alsoChanged: ['password'] });
    assert.ok(!JSON.stringify(diff).includes('S3cret!'));
    assert.ok(!JSON.stringify(diff).includes('p2'));
    assert.deepEqual(diff, [{ path: 'password', redacted: true }, { path: 'userName', before: 'a', after: 'b' }, { path: 'x', after: { keep: 1 } }]);
    assert.deepEqual(attributeDiff({}, {}, { alsoChanged: ['password'] }), [{ path: 'password', redacted: true }]);
  });

  it('records a create as after-only and a delete as before-only', () => {
    assert.deepEqual(attributeDiff(null, { userName: 'a' }), [{ path: 'userName', after: 'a' }]);
    assert.deepEqual(attributeDiff({ userName: 'a' }, null), [{ path: 'userName', before: 'a' }]);
  });
});
