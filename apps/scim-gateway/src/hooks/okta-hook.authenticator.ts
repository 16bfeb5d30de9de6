import { Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { DataSource } from 'typeorm';
import { TenantService } from '../tenants/tenant.service';
import { OktaConfigStore } from './okta-config.store';

interface CachedHook {
  tenantId: string;
  /** Lower-cased: Node lower-cases incoming header names. */
  headerName: string;
  secretDigest: Buffer;
}

// Bounds how long a replaced secret keeps working on a replica, and keeps the tenant lookup and
// the decryption off most deliveries.
const CACHE_TTL_MS = 5_000;
const CACHE_MAX_ENTRIES = 10_000;

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Checks an Event Hook request against its tenant's configured header and secret. Digests are
 * compared (equal lengths for timingSafeEqual; time independent of the secret). An unknown tenant,
 * a tenant without a hook and a wrong secret all look the same to the caller: undefined (401).
 */
@Injectable()
export class OktaHookAuthenticator {
  private readonly cache = new Map<string, CachedHook | null>();
  private readonly expiry = new Map<string, number>();

  constructor(
    private readonly db: DataSource,
    private readonly tenants: TenantService,
    private readonly store: OktaConfigStore,
  ) {}

  /** The tenant id when the request carries the tenant's hook secret; undefined otherwise. */
  async authenticate(tenantRef: string, headers: IncomingHttpHeaders): Promise<string | undefined> {
    const hook = await this.hookOf(tenantRef);
    // Compare against a dummy digest when there is no hook, so timing does not reveal which tenants have one.
    const expected = hook?.secretDigest ?? sha256('\u0000no-hook');
    const raw = hook ? headers[hook.headerName] : undefined;
    const presented = Array.isArray(raw) ? raw.join(', ') : (raw ?? '');
    const matches = timingSafeEqual(sha256(presented), expected);
    return hook && matches && presented.length > 0 ? hook.tenantId : undefined;
  }

  /** Forget cached hooks (after an admin change on this replica). */
  invalidate(): void {
    this.cache.clear();
    this.expiry.clear();
  }

  private async hookOf(tenantRef: string): Promise<CachedHook | null> {
    const key = tenantRef.toLowerCase();
    const cached = this.cache.get(key);
    if (cached !== undefined && (this.expiry.get(key) ?? 0) > Date.now()) return cached;
    const tenant = tenantRef.length <= 100 ? await this.tenants.findByNameOrId(tenantRef) : undefined;
    const credential = tenant ? await this.store.hookCredential(this.db, tenant.id) : undefined;
    const hook =
      tenant && credential ? { tenantId: tenant.id, headerName: credential.headerName.toLowerCase(), secretDigest: sha256(credential.secret) } : null;
    if (this.cache.size >= CACHE_MAX_ENTRIES) this.invalidate();
    this.cache.set(key, hook);
    this.expiry.set(key, Date.now() + CACHE_TTL_MS);
    return hook;
  }
}
