import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DecryptionError, EnvelopeCipher, KeyRingConfigError, loadKeyRing } from './index';

const a = EnvelopeCipher.generateKey();
const b = EnvelopeCipher.generateKey();

describe('loadKeyRing', () => {
  it('reads IDSYNC_KEYS_FILE, else IDSYNC_KEYS, else the older ENCRYPTION_KEYS pair, else nothing', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyring-'));
    const file = path.join(dir, 'keys.json');
    fs.writeFileSync(file, JSON.stringify({ primary: 'b', keys: { a, b } }));
    assert.equal(loadKeyRing({}, { IDSYNC_KEYS_FILE: file, IDSYNC_KEYS: JSON.stringify({ primary: 'a', keys: { a } }) })?.activeKeyId, 'b');
    assert.equal(loadKeyRing({}, { IDSYNC_KEYS: JSON.stringify({ primary: 'a', keys: { a, b } }) })?.activeKeyId, 'a');
    assert.deepEqual(loadKeyRing({}, { ENCRYPTION_KEYS: `old:${a}`, ENCRYPTION_ACTIVE_KEY_ID: 'old' })?.keyIds, ['old']);
    assert.equal(loadKeyRing({}, {}), undefined);
    fs.rmSync(dir, { recursive: true });
  });

  it('names the setting and never the key material in its errors', () => {
    assert.throws(() => loadKeyRing({}, { IDSYNC_KEYS: 'not json' }), /IDSYNC_KEYS must be JSON/);
    assert.throws(() => loadKeyRing({}, { IDSYNC_KEYS: JSON.stringify({ primary: 'c', keys: { a } }) }), (err: Error) => err instanceof KeyRingConfigError && /IDSYNC_KEYS "c"/.test(err.message) && !err.message.includes(a));
    assert.throws(() => loadKeyRing({}, { IDSYNC_KEYS_FILE: '/nonexistent/keys.json' }), /IDSYNC_KEYS_FILE .* cannot be read/);
  });
});

describe('EnvelopeCipher.rewrap', () => {
  it('moves a ciphertext to the primary key without its context; the old key is then not needed', () => {
    const ringA = EnvelopeCipher.fromConfig(`a:${a}`, 'a');
    const ringAB = EnvelopeCipher.fromConfig(`a:${a},b:${b}`, 'b');
    const ringB = EnvelopeCipher.fromConfig(`b:${b}`, 'b');
    const sealed = ringA.encrypt('s3cret', 'row-1');
    const moved = ringAB.rewrap(sealed);
    assert.equal(EnvelopeCipher.keyIdOf(moved), 'b');
    assert.equal(ringB.decrypt(moved, 'row-1'), 's3cret');
    assert.throws(() => ringB.decrypt(moved, 'row-2'), DecryptionError, 'the context binding survives');
    assert.equal(ringAB.rewrap(moved), moved, 'already under the primary: unchanged');
    assert.throws(() => ringB.rewrap(sealed), /key id "a"/);
  });
});
