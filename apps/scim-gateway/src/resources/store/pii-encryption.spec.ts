import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EnvelopeCipher } from '@idsync/crypto';
import { ScimError, type ScimJsonObject } from '@idsync/identity';
import { encryptedAttributeOf, ENTERPRISE_USER_URN, mergePii, PiiCipher, rejectEncryptedFilterPath, ScimPiiVault, splitPii } from './pii-encryption';

const user: ScimJsonObject = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE_USER_URN],
  userName: 'ada@example.com',
  emails: [{ value: 'ada@example.com', primary: true }],
  name: { givenName: 'Ada', familyName: 'Lovelace' },
  phoneNumbers: [{ value: '+44 20 7946 0001', type: 'work' }],
  addresses: [{ locality: 'London' }],
  [ENTERPRISE_USER_URN]: { department: 'Engines', employeeNumber: 'E-1815', manager: { value: 'm-1' }, costCenter: 'CC-7' },
};

describe('PII encryption building block', () => {
  it('moves only the non-searchable PII out of the document and puts it back unchanged', () => {
    const before = JSON.stringify(user);
    const { searchable, pii } = splitPii(user);
    assert.equal(JSON.stringify(user), before, 'the input is not changed');
    const text = JSON.stringify(searchable);
    for (const gone of ['7946', 'London', 'E-1815', 'm-1', 'CC-7']) assert.ok(!text.includes(gone), `${gone} left the searchable document`);
    for (const kept of ['ada@example.com', 'Lovelace', 'Engines']) assert.ok(text.includes(kept), `${kept} stays searchable`);
    assert.deepEqual(mergePii(searchable, pii), user);
    assert.equal(splitPii({ userName: 'plain' }).pii, undefined, 'no PII: nothing to encrypt, nothing to decrypt on read');
  });

  it('seals the part bound to tenant and resource', () => {
    const ring = EnvelopeCipher.fromConfig(`a:${EnvelopeCipher.generateKey()}`, 'a');
    const pii = splitPii(user).pii!;
    const sealed = new PiiCipher(ring).seal('t1', 'r1', pii);
    assert.deepEqual(new PiiCipher(ring).open('t1', 'r1', sealed), pii);
    assert.throws(() => new PiiCipher(ring).open('t2', 'r1', sealed));
    assert.ok(!sealed.includes('E-1815'));
  });

  it('answers invalidFilter for filters on encrypted attributes only', () => {
    for (const path of ['phoneNumbers.value', 'PhoneNumbers[type eq "work"].value', 'addresses.locality', `${ENTERPRISE_USER_URN}:employeeNumber`, `${ENTERPRISE_USER_URN}:manager.value`]) {
      assert.throws(() => rejectEncryptedFilterPath(path), (err: unknown) => err instanceof ScimError && err.status === 400 && err.scimType === 'invalidFilter', path);
    }
    for (const path of ['userName', 'emails.value', 'externalId', 'name.familyName', `${ENTERPRISE_USER_URN}:department`]) assert.doesNotThrow(() => rejectEncryptedFilterPath(path), path);
  });

  it('names the encrypted attribute of qualified, unqualified and parsed paths in its schema spelling', () => {
    assert.equal(encryptedAttributeOf('urn:ietf:params:scim:schemas:core:2.0:User:PHONENUMBERS.value'), 'phoneNumbers');
    assert.equal(encryptedAttributeOf('manager.value'), 'manager', 'an unqualified extension name resolves to the extension');
    assert.equal(encryptedAttributeOf({ schema: ENTERPRISE_USER_URN, attribute: 'costcenter' }), 'costCenter');
    assert.equal(encryptedAttributeOf('urn:example:custom:1.0:User:phoneNumbers'), undefined, "another extension's attribute of the same name is not ours");
    assert.equal(encryptedAttributeOf('userName'), undefined);
  });

  it('merges back in jsonb key order, so a response matches the one of a clear row', () => {
    const { searchable, pii } = splitPii(user);
    const merged = mergePii(searchable, pii);
    assert.deepEqual(Object.keys(merged), ['name', 'emails', 'schemas', 'userName', 'addresses', 'phoneNumbers', ENTERPRISE_USER_URN]);
    assert.deepEqual(Object.keys(merged[ENTERPRISE_USER_URN] as object), ['manager', 'costCenter', 'department', 'employeeNumber']);
  });

  it('answers 503 when the ring is missing or cannot open a row, never partial data', () => {
    const ring = EnvelopeCipher.fromConfig(`a:${EnvelopeCipher.generateKey()}`, 'a');
    const sealed = ScimPiiVault.of(ring).seal('t1', 'r1', splitPii(user).pii!);
    const other = EnvelopeCipher.fromConfig(`b:${EnvelopeCipher.generateKey()}`, 'b');
    for (const vault of [ScimPiiVault.of(undefined), ScimPiiVault.of(other)]) {
      assert.throws(() => vault.open('t1', 'r1', sealed), (err: unknown) => err instanceof ScimError && err.status === 503 && !err.message.includes('E-1815'));
    }
    assert.throws(() => ScimPiiVault.of(undefined).seal('t1', 'r1', {}), (err: unknown) => err instanceof ScimError && err.status === 503);
  });
});
