import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { DecryptionError, EnvelopeCipher, KeyRingConfigError } from './index';

const k1 = EnvelopeCipher.generateKey();
const k2 = EnvelopeCipher.generateKey();

function flipChar(s: string, at: number): string {
  return s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);
}

describe('EnvelopeCipher', () => {
  it('round-trips and names the key id in the ciphertext', () => {
    const cipher = EnvelopeCipher.fromConfig(`k1:${k1}`, 'k1');
    const sealed = cipher.encrypt('whsec_secret', 'row-1');
    assert.match(sealed, /^v1\.k1\./);
    assert.equal(EnvelopeCipher.keyIdOf(sealed), 'k1');
    assert.ok(!sealed.includes('whsec_secret'));
    assert.equal(cipher.decrypt(sealed, 'row-1'), 'whsec_secret');
  });

  it('uses a fresh data key and IV per value', () => {
    const cipher = EnvelopeCipher.fromConfig(`k1:${k1}`, 'k1');
    assert.notEqual(cipher.encrypt('same'), cipher.encrypt('same'));
  });

  it('refuses tampered ciphertext, a wrong context and a swapped key id', () => {
    const cipher = EnvelopeCipher.fromConfig(`k1:${k1},k2:${k2}`, 'k1');
    const sealed = cipher.encrypt('whsec_secret', 'row-1');
    const parts = sealed.split('.');
    for (const index of [3, 5]) {
      const tampered = [...parts];
      tampered[index] = flipChar(tampered[index], 2);
      assert.throws(() => cipher.decrypt(tampered.join('.'), 'row-1'), DecryptionError);
    }
    assert.throws(() => cipher.decrypt(sealed, 'row-2'), DecryptionError);
    assert.throws(() => cipher.decrypt(['v1', 'k2', ...parts.slice(2)].join('.'), 'row-1'), DecryptionError);
    assert.throws(() => cipher.decrypt('v1.k1.garbage', 'row-1'), DecryptionError);
    assert.throws(() => cipher.decrypt(sealed.replace(/^v1/, 'v9'), 'row-1'), DecryptionError);
  });

  it('after rotation, encrypts under the new key and still decrypts values under the old one', () => {
    const before = EnvelopeCipher.fromConfig(`k1:${k1}`, 'k1');
    const old = before.encrypt('old secret', 'ctx');
    const after = EnvelopeCipher.fromConfig(`k1:${k1},k2:${k2}`, 'k2');
    assert.equal(after.decrypt(old, 'ctx'), 'old secret');
    const fresh = after.encrypt('new secret', 'ctx');
    assert.equal(EnvelopeCipher.keyIdOf(fresh), 'k2');
    assert.throws(() => before.decrypt(fresh, 'ctx'), (err: Error) => err instanceof DecryptionError && /"k2"/.test(err.message));
  });

  it('rejects malformed key rings without echoing key material', () => {
    const short = Buffer.alloc(16, 7).toString('base64');
    const cases: Array<[string, string]> = [
      ['', 'k1'],
      [`k1:${short}`, 'k1'],
      [`k1:${k1}`, 'k9'],
      [`${k1}`, 'k1'],
      [`k1:${k1},k1:${k2}`, 'k1'],
      ['bad id!:' + k1, 'k1'],
    ];
    for (const [keys, active] of cases) {
      assert.throws(
        () => EnvelopeCipher.fromConfig(keys, active),
        (err: Error) => err instanceof KeyRingConfigError && !err.message.includes(k1) && !err.message.includes(short),
      );
    }
  });

  it('never shows key material when logged or serialised', () => {
    const cipher = EnvelopeCipher.fromConfig(`k1:${k1}`, 'k1');
    assert.ok(!inspect(cipher).includes(k1));
    assert.ok(!JSON.stringify({ cipher }).includes(k1));
    assert.ok(!inspect(cipher, { showHidden: true }).includes(Buffer.from(k1, 'base64').toString('hex').slice(0, 8)));
  });
});
