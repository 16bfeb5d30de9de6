import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EnvelopeCipher } from '@idsync/crypto';
import { ScimError, type ScimJsonObject } from '@idsync/identity';
import { ENTERPRISE_USER_URN, mergePii, PiiCipher, rejectEncryptedFilterPath, splitPii } from './pii-encryption';

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
});
