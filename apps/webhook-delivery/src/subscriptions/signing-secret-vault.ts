import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import { loadKeyRing, type EnvelopeCipher } from '@idsync/crypto';
import { WebhookConfig } from '../config/webhook.config';

/**
 * Encrypts signing secrets and custom header values at rest with the ENCRYPTION_KEYS ring. Each ciphertext is bound to its
 * secret row id, so a ciphertext copied onto another subscription does not decrypt.
 */
@Injectable()
export class SigningSecretVault {
  private readonly cipher: EnvelopeCipher | undefined;

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
    return this.requireCipher().decrypt(ciphertext, `webhook_secret:${secretId}`);
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
