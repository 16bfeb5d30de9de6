import { createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';

/** A new signing secret: `whsec_` + base64 of 32 random bytes (Standard Webhooks format). */
export function generateSigningSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

// HMAC keys by secret: every attempt signs with the same few secrets (bounded: cleared when full).
const signingKeys = new Map<string, KeyObject>();
const MAX_CACHED_KEYS = 1_000;

/** The HMAC key of a secret: the bytes its base64 part encodes. */
function signingKey(secret: string): KeyObject {
  let key = signingKeys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64'));
    if (signingKeys.size >= MAX_CACHED_KEYS) signingKeys.clear();
    signingKeys.set(secret, key);
  }
  return key;
}

/**
 * `webhook-signature` per Standard Webhooks: `v1,<base64 HMAC-SHA256(key, "id.timestamp.body")>`,
 * one per secret, space-separated (several during a rotation's grace period).
 */
export function signStandardWebhook(secrets: readonly string[], messageId: string, timestampSeconds: number, body: string): string {
  // HMAC of the parts in turn = HMAC of "id.timestamp.body", without copying the body into a new string.
  const prefix = `${messageId}.${timestampSeconds}.`;
  const sign = (secret: string) => `v1,${createHmac('sha256', signingKey(secret)).update(prefix, 'utf8').update(body, 'utf8').digest('base64')}`;
  return secrets.length === 1 ? sign(secrets[0]) : secrets.map(sign).join(' ');
}
