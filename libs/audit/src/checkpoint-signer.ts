import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sha256 } from './audit-chain';

/** What a checkpoint commits to: a chain position and its hash at a time. */
export interface CheckpointClaim {
  chainId: string;
  seq: number;
  hash: Buffer;
  createdAt: Date;
}

/** The signed bytes: a fixed, versioned text so a signature can be checked with any Ed25519 tool. */
export function checkpointMessage(c: CheckpointClaim): Buffer {
  return Buffer.from(`idsync-audit-checkpoint/v1\n${c.chainId}\n${c.seq}\n${c.hash.toString('hex')}\n${c.createdAt.toISOString()}\n`, 'utf8');
}

/**
 * Ed25519 signatures over checkpoints (node:crypto). With the private key outside the database
 * (AUDIT_SIGNING_KEY_FILE, a PKCS#8 PEM), someone who can rewrite audit_log and recompute every
 * hash still cannot produce checkpoints that verify. keyId = first 16 hex digits of SHA-256 of the
 * public key (SPKI DER), so a verifier can tell which key signed.
 */
export class CheckpointSigner {
  readonly keyId: string;
  private constructor(
    private readonly privateKey: KeyObject,
    readonly publicKey: KeyObject,
  ) {
    this.keyId = checkpointKeyId(publicKey);
  }

  static fromPemFile(path: string): CheckpointSigner {
    const privateKey = createPrivateKey(readFileSync(path));
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${path} is not an Ed25519 private key`);
    return new CheckpointSigner(privateKey, createPublicKey(privateKey));
  }

  static fromKey(privateKey: KeyObject): CheckpointSigner {
    return new CheckpointSigner(privateKey, createPublicKey(privateKey));
  }

  sign(claim: CheckpointClaim): Buffer {
    return sign(null, checkpointMessage(claim), this.privateKey);
  }
}

export function checkpointKeyId(publicKey: KeyObject): string {
  return sha256(publicKey.export({ type: 'spki', format: 'der' })).toString('hex').slice(0, 16);
}

export function verifyCheckpointSignature(publicKey: KeyObject, claim: CheckpointClaim, signature: Buffer): boolean {
  return verify(null, checkpointMessage(claim), publicKey, signature);
}

/** A verification key from a PEM file: an Ed25519 public key, or the private key it derives from. */
export function loadCheckpointPublicKey(path: string): KeyObject {
  const pem = readFileSync(path);
  const key = /PRIVATE KEY/.test(pem.toString('utf8')) ? createPublicKey(createPrivateKey(pem)) : createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${path} is not an Ed25519 key`);
  return key;
}
