import { loadKeyRing, type EnvelopeCipher } from '@idsync/crypto';
import { OKTA_SECRET_CONTEXT } from '@idsync/contracts';

/** No key ring is configured: Okta secrets can be neither stored nor read. */
export class OktaKeyRingMissingError extends Error {
  constructor() {
    super('Okta secrets cannot be stored or read: ENCRYPTION_KEYS / ENCRYPTION_ACTIVE_KEY_ID are not configured');
    this.name = 'OktaKeyRingMissingError';
  }
}

/**
 * Encrypts the Okta hook secret and API credential at rest with the ENCRYPTION_KEYS ring
 * (@idsync/crypto AES-256-GCM envelopes), each bound to its tenant so a ciphertext copied onto
 * another tenant's row does not decrypt. Plain class: the gateway and the CLI both use it.
 */
export class OktaSecretBox {
  private constructor(private readonly cipher: EnvelopeCipher | undefined) {}

  static fromKeyRing(keys: string, activeKeyId: string): OktaSecretBox {
    // The shared ring: IDSYNC_KEYS_FILE / IDSYNC_KEYS, else these older settings.
    return new OktaSecretBox(loadKeyRing({ ENCRYPTION_KEYS: keys, ENCRYPTION_ACTIVE_KEY_ID: activeKeyId }));
  }

  get configured(): boolean {
    return this.cipher !== undefined;
  }

  sealHookSecret(tenantId: string, secret: string): string {
    return this.require().encrypt(secret, OKTA_SECRET_CONTEXT.hookSecret(tenantId));
  }

  openHookSecret(tenantId: string, ciphertext: string): string {
    return this.require().decrypt(ciphertext, OKTA_SECRET_CONTEXT.hookSecret(tenantId));
  }

  sealApiCredential(tenantId: string, credential: string): string {
    return this.require().encrypt(credential, OKTA_SECRET_CONTEXT.apiCredential(tenantId));
  }

  private require(): EnvelopeCipher {
    if (!this.cipher) throw new OktaKeyRingMissingError();
    return this.cipher;
  }
}
