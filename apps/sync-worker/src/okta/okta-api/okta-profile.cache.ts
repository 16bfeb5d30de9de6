/** An Okta user as the worker keeps it: status and profile (GET /api/v1/users/{id}). */
export interface OktaUserProfile {
  status: string | null;
  profile: Record<string, unknown>;
}

interface Entry {
  value: OktaUserProfile;
  fetchedAt: number;
}

// Okta's clock and ours differ a little: an event published up to this long before our fetch may
// not be reflected in what we fetched yet, so it still invalidates.
const CLOCK_SKEW_MS = 5_000;
const MAX_ENTRIES = 10_000;

/**
 * Fetched Okta profiles per (tenant, Okta user), for OKTA_PROFILE_CACHE_TTL_MS. An event that
 * changes the user (lifecycle, lock, profile update) and happened after the entry was fetched
 * makes it stale; events that do not change the user (sessions, passwords, memberships) reuse it.
 */
export class OktaProfileCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly ttlMs: number) {}

  get(tenantId: string, userId: string, event: { publishedMs: number; changesUser: boolean }, now = Date.now()): OktaUserProfile | undefined {
    const key = `${tenantId}:${userId}`;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const expired = now - entry.fetchedAt >= this.ttlMs;
    const outdatedByEvent = event.changesUser && event.publishedMs > entry.fetchedAt - CLOCK_SKEW_MS;
    if (expired || outdatedByEvent) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(tenantId: string, userId: string, value: OktaUserProfile, fetchedAt = Date.now()): void {
    if (this.ttlMs <= 0) return;
    const key = `${tenantId}:${userId}`;
    this.entries.delete(key);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { value, fetchedAt });
  }
}
