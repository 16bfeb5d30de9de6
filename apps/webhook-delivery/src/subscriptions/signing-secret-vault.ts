import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import { loadKeyRing, type EnvelopeCipher } from '@idsync/crypto';
import { WebhookConfig } from '../config/webhook.config';

/** Decrypted signing secrets kept in memory at most (a few per active endpoint). */
const OPENED_SECRETS_CACHED = 500;

/**
 * Encrypts signing secrets and custom header values at rest with the ENCRYPTION_KEYS ring. Each ciphertext is bound to its
 * secret row id, so a ciphertext copied onto another subscription does not decrypt.
 *
 * Every attempt signs with its endpoint's secrets: opened secrets are cached (least recently
 * used out first, OPENED_SECRETS_CACHED at most) instead of an AES-GCM decryption per attempt.
 * The key is the secret id *and* its ciphertext, so nothing can be served stale: a rotation
 * creates a new secret row (new id), a re-encryption under another key a new ciphertext, and a
 * deleted or expired secret is simply no longer asked for (its entry ages out).
 */
@Injectable()
export class SigningSecretVault {
  private readonly cipher: EnvelopeCipher | undefined;
  private readonly opened = new Map<string, string>();

  constructor(config: WebhookConfig) {
    // A malformed ring stops start-up (the error names the setting, never the key material);
    // an empty one leaves the app running, refusing only what needs it.
    // The shared ring: IDSYNC_KEYS_FILE / IDSYNC_KEYS, else these older settings.
    this.cipher = loadKeyRing({ ENCRYPTION_KEYS: config.ENCRYPTION_KEYS, ENCRYPTION_ACTIVE_KEY_ID: config.ENCRYPTION_ACTIVE_KEY_ID });
  }

  seal(secret: string, secretId: string): string {
    return this.requireCipher().encrypt(secret, `webhook_secret:${secretId}`);
  }

  open(ciphertext: string, secretId: string): string {
    const key = `${secretId}\n${ciphertext}`;
    const cached = this.opened.get(key);
    if (cached !== undefined) {
      // Re-inserted: Map order is insertion order, so the first key is the least recently used.
      this.opened.delete(key);
      this.opened.set(key, cached);
      return cached;
    }
    const secret = this.requireCipher().decrypt(ciphertext, `webhook_secret:${secretId}`);
    this.opened.set(key, secret);
    if (this.opened.size > OPENED_SECRETS_CACHED) this.opened.delete(this.opened.keys().next().value as string);
    return secret;
  }

  /** Custom header values of one subscription, as one ciphertext bound to the subscription id. */
  sealHeaders(headers: Record<string, string>, subscriptionId: string): string {
    return this.requireCipher().encrypt(JSON.stringify(headers), `webhook_headers:${subscriptionId}`);
  }

  openHeaders(ciphertext: string, subscriptionId: string): Record<string, string> {
    return JSON.parse(this.requireCipher().decrypt(ciphertext, `webhook_headers:${subscriptionId}`)) as Record<string, string>;
  }

  /** False without a key ring: nothing can be sealed or opened. */
  get configured(): boolean {
    return this.cipher !== undefined;
  }

  private requireCipher(): EnvelopeCipher {
    if (!this.cipher) throw new ServiceUnavailableException('Signing secrets cannot be stored: ENCRYPTION_KEYS is not configured');
    return this.cipher;
  }
}
