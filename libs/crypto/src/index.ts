// Public entry point of @idsync/crypto: encryption at rest for small secrets (webhook signing
// secrets) with a key ring from configuration, so keys can rotate without re-encrypting at once.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

const FORMAT_VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

/** A malformed key ring. The message names the problem and the key id, never key material. */
export class KeyRingConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyRingConfigError';
  }
}

/** Ciphertext that is malformed, tampered with, bound to other context, or under an unknown key. */
export class DecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecryptionError';
  }
}

function b64url(buf: Buffer): string {
  return buf.toString('base64url');
}

function sealGcm(key: Buffer, plaintext: Buffer, aad: Buffer): { iv: Buffer; sealed: Buffer } {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const sealed = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { iv, sealed };
}

function openGcm(key: Buffer, iv: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  if (iv.length !== IV_BYTES || sealed.length < TAG_BYTES) throw new DecryptionError('ciphertext is malformed');
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new DecryptionError('ciphertext failed authentication (tampered, wrong key or wrong context)');
  }
}

/**
 * AES-256-GCM envelope encryption. Each value gets its own random data key; the data key is
 * wrapped with the active key-encryption key (KEK) of the ring. The ciphertext names the KEK id,
 * so values sealed under an older key still open after ENCRYPTION_ACTIVE_KEY_ID moves on, and
 * re-keying only has to re-wrap 32 bytes per value.
 *
 * Format (dot-separated, base64url parts):
 *   v1.<kid>.<wrap iv>.<wrapped data key + tag>.<iv>.<ciphertext + tag>
 * The key id and format version are authenticated (AAD of the wrap); the caller's `context`
 * (e.g. the owning row's id) is authenticated with the value, so a ciphertext copied to another
 * row does not decrypt.
 */
export class EnvelopeCipher {
  private constructor(
    private readonly keys: ReadonlyMap<string, Buffer>,
    readonly activeKeyId: string,
  ) {}

  /**
   * Parses `kid1:base64key,kid2:base64key` (32-byte keys) and the active key id. Errors name the
   * setting and the key id only.
   */
  static fromConfig(keysSetting: string, activeKeyId: string): EnvelopeCipher {
    const keys = new Map<string, Buffer>();
    for (const entry of keysSetting.split(',').map((e) => e.trim()).filter(Boolean)) {
      const sep = entry.indexOf(':');
      const kid = sep > 0 ? entry.slice(0, sep) : '';
      if (!KEY_ID_PATTERN.test(kid)) throw new KeyRingConfigError('ENCRYPTION_KEYS entries must be <key id>:<base64 key> with key ids of [A-Za-z0-9_-]{1,32}');
      if (keys.has(kid)) throw new KeyRingConfigError(`ENCRYPTION_KEYS declares key id "${kid}" twice`);
      const material = entry.slice(sep + 1);
      const key = Buffer.from(material, 'base64');
      if (key.length !== KEY_BYTES || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(material)) {
        throw new KeyRingConfigError(`ENCRYPTION_KEYS key "${kid}" must be ${KEY_BYTES} bytes, base64-encoded`);
      }
      keys.set(kid, key);
    }
    if (keys.size === 0) throw new KeyRingConfigError('ENCRYPTION_KEYS is empty');
    if (!keys.has(activeKeyId)) throw new KeyRingConfigError(`ENCRYPTION_ACTIVE_KEY_ID "${activeKeyId}" is not a key id of ENCRYPTION_KEYS`);
    return new EnvelopeCipher(keys, activeKeyId);
  }

  /** A fresh random 256-bit key in the ENCRYPTION_KEYS encoding (for operators and tests). */
  static generateKey(): string {
    return randomBytes(KEY_BYTES).toString('base64');
  }

  encrypt(plaintext: string, context = ''): string {
    const kek = this.keys.get(this.activeKeyId) as Buffer;
    const dataKey = randomBytes(KEY_BYTES);
    try {
      const wrap = sealGcm(kek, dataKey, Buffer.from(`${FORMAT_VERSION}.${this.activeKeyId}`));
      const value = sealGcm(dataKey, Buffer.from(plaintext, 'utf8'), Buffer.from(context, 'utf8'));
      return [FORMAT_VERSION, this.activeKeyId, b64url(wrap.iv), b64url(wrap.sealed), b64url(value.iv), b64url(value.sealed)].join('.');
    } finally {
      dataKey.fill(0);
    }
  }

  decrypt(ciphertext: string, context = ''): string {
    const parts = ciphertext.split('.');
    if (parts.length !== 6 || parts[0] !== FORMAT_VERSION) throw new DecryptionError('ciphertext is malformed');
    const [, kid, wrapIv, wrapped, iv, sealed] = parts;
    const kek = this.keys.get(kid);
    if (!kek) throw new DecryptionError(`ciphertext is under key id "${kid}", which ENCRYPTION_KEYS does not contain`);
    const dataKey = openGcm(kek, Buffer.from(wrapIv, 'base64url'), Buffer.from(wrapped, 'base64url'), Buffer.from(`${FORMAT_VERSION}.${kid}`));
    try {
      return openGcm(dataKey, Buffer.from(iv, 'base64url'), Buffer.from(sealed, 'base64url'), Buffer.from(context, 'utf8')).toString('utf8');
    } finally {
      dataKey.fill(0);
    }
  }

  /** Key ids of the ring (the primary among them). */
  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  /**
   * Re-wraps a ciphertext's data key under the active key, leaving the sealed value untouched: key
   * rotation needs neither the value's context nor to see the plaintext. Returns the input when it
   * already is under the active key.
   */
  rewrap(ciphertext: string): string {
    const parts = ciphertext.split('.');
    if (parts.length !== 6 || parts[0] !== FORMAT_VERSION) throw new DecryptionError('ciphertext is malformed');
    const [, kid, wrapIv, wrapped, iv, sealed] = parts;
    if (kid === this.activeKeyId) return ciphertext;
    const kek = this.keys.get(kid);
    if (!kek) throw new DecryptionError(`ciphertext is under key id "${kid}", which the key ring does not contain`);
    const dataKey = openGcm(kek, Buffer.from(wrapIv, 'base64url'), Buffer.from(wrapped, 'base64url'), Buffer.from(`${FORMAT_VERSION}.${kid}`));
    try {
      const wrap = sealGcm(this.keys.get(this.activeKeyId) as Buffer, dataKey, Buffer.from(`${FORMAT_VERSION}.${this.activeKeyId}`));
      return [FORMAT_VERSION, this.activeKeyId, b64url(wrap.iv), b64url(wrap.sealed), iv, sealed].join('.');
    } finally {
      dataKey.fill(0);
    }
  }

  /** The key id a ciphertext was sealed under (to find values still under a retired key). */
  static keyIdOf(ciphertext: string): string | undefined {
    const parts = ciphertext.split('.');
    return parts.length === 6 && parts[0] === FORMAT_VERSION ? parts[1] : undefined;
  }

  /** Keeps key material out of logs and JSON dumps of objects holding the cipher. */
  toJSON(): { activeKeyId: string; keyIds: string[] } {
    return { activeKeyId: this.activeKeyId, keyIds: [...this.keys.keys()] };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `EnvelopeCipher(active=${this.activeKeyId}, keys=${[...this.keys.keys()].join(',')})`;
  }
}

/** Where the key ring comes from; every app and the CLI read the same settings. */
export interface KeyRingSettings {
  /** Path to a JSON file `{"primary": "<kid>", "keys": {"<kid>": "<base64 32-byte key>", …}}` (wins over the rest). */
  IDSYNC_KEYS_FILE?: string;
  /** The same JSON inline. */
  IDSYNC_KEYS?: string;
  /** Older settings, still honoured: `kid:base64,…` and the id of the active key. */
  ENCRYPTION_KEYS?: string;
  ENCRYPTION_ACTIVE_KEY_ID?: string;
}

function fromJson(json: string, setting: string): EnvelopeCipher {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new KeyRingConfigError(`${setting} must be JSON {"primary": "<key id>", "keys": {"<key id>": "<base64 key>"}}`);
  }
  const { primary, keys } = (parsed ?? {}) as { primary?: unknown; keys?: unknown };
  if (typeof primary !== 'string' || !keys || typeof keys !== 'object' || Array.isArray(keys)) {
    throw new KeyRingConfigError(`${setting} must be JSON {"primary": "<key id>", "keys": {"<key id>": "<base64 key>"}}`);
  }
  const list = Object.entries(keys as Record<string, unknown>).map(([kid, key]) => `${kid}:${typeof key === 'string' ? key : ''}`);
  try {
    return EnvelopeCipher.fromConfig(list.join(','), primary);
  } catch (err) {
    // fromConfig names the legacy settings; say which one the operator actually used.
    if (err instanceof KeyRingConfigError) throw new KeyRingConfigError(err.message.replace(/ENCRYPTION_KEYS|ENCRYPTION_ACTIVE_KEY_ID/g, setting));
    throw err;
  }
}

/**
 * The one key ring of idsync, from IDSYNC_KEYS_FILE, else IDSYNC_KEYS, else the older
 * ENCRYPTION_KEYS + ENCRYPTION_ACTIVE_KEY_ID. Undefined when none is set (features that need it
 * refuse, the rest runs). Values set explicitly in `settings` win over the process environment.
 */
export function loadKeyRing(settings: KeyRingSettings = {}, env: NodeJS.ProcessEnv = process.env): EnvelopeCipher | undefined {
  const file = settings.IDSYNC_KEYS_FILE || env.IDSYNC_KEYS_FILE || '';
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new KeyRingConfigError(`IDSYNC_KEYS_FILE ${file} cannot be read`);
    }
    return fromJson(text, 'IDSYNC_KEYS_FILE');
  }
  const inline = settings.IDSYNC_KEYS || env.IDSYNC_KEYS || '';
  if (inline) return fromJson(inline, 'IDSYNC_KEYS');
  const legacy = settings.ENCRYPTION_KEYS ?? env.ENCRYPTION_KEYS ?? '';
  if (!legacy) return undefined;
  return EnvelopeCipher.fromConfig(legacy, settings.ENCRYPTION_ACTIVE_KEY_ID ?? env.ENCRYPTION_ACTIVE_KEY_ID ?? '');
}
