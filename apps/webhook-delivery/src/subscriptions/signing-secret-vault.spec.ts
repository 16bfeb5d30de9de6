import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EnvelopeCipher } from '@idsync/crypto';
import { loadConfig } from '@idsync/platform';
import { WebhookConfig } from '../config/webhook.config';
import { SigningSecretVault } from './signing-secret-vault';

const SECRET_A = '11111111-1111-4111-8111-111111111111';
const SECRET_B = '22222222-2222-4222-8222-222222222222';

function vault(): SigningSecretVault {
  return new SigningSecretVault(loadConfig(WebhookConfig, { ENCRYPTION_KEYS: `k1:${EnvelopeCipher.generateKey()}`, ENCRYPTION_ACTIVE_KEY_ID: 'k1' }));
}

describe(SigningSecretVault.name, () => {
  it('decrypts a secret once, then serves it from memory', (t) => {
    const sut = vault();
    const sealed = sut.seal('whsec_first', SECRET_A);
    const decrypt = t.mock.method(EnvelopeCipher.prototype, 'decrypt');
    assert.equal(sut.open(sealed, SECRET_A), 'whsec_first');
    assert.equal(sut.open(sealed, SECRET_A), 'whsec_first');
    assert.equal(decrypt.mock.callCount(), 1);
  });

  it('a rotated secret (new id, new ciphertext) is opened fresh; the cache never bypasses the id binding', () => {
    const sut = vault();
    const first = sut.seal('whsec_first', SECRET_A);
    assert.equal(sut.open(first, SECRET_A), 'whsec_first');
    const rotated = sut.seal('whsec_second', SECRET_B);
    assert.equal(sut.open(rotated, SECRET_B), 'whsec_second');
    // A cached ciphertext presented under another secret's id still fails to decrypt.
    assert.throws(() => sut.open(first, SECRET_B));
    // A different ciphertext under a cached id is decrypted (and here rejected), not served from the cache.
    assert.throws(() => sut.open(`${first.slice(0, -4)}AAAA`, SECRET_A));
  });

  it('keeps at most 500 opened secrets, least recently used out first', (t) => {
    const sut = vault();
    const ids = Array.from({ length: 501 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const sealed = ids.map((id) => sut.seal(`whsec_${id}`, id));
    sut.open(sealed[0], ids[0]);
    for (let i = 1; i < 500; i++) sut.open(sealed[i], ids[i]);
    sut.open(sealed[0], ids[0]); // the first is now the most recently used
    sut.open(sealed[500], ids[500]); // evicts ids[1]
    const decrypt = t.mock.method(EnvelopeCipher.prototype, 'decrypt');
    sut.open(sealed[0], ids[0]);
    assert.equal(decrypt.mock.callCount(), 0, 'recently used: still cached');
    sut.open(sealed[1], ids[1]);
    assert.equal(decrypt.mock.callCount(), 1, 'least recently used: evicted, decrypted again');
  });
});
