import type { DataSource } from 'typeorm';
import type { ScimJsonObject } from '@idsync/identity';
import { ScimResourceStore } from '../../../scim-gateway/src/resources/store/scim-resource.store';
import { Pseudonymizer } from './pseudonymizer';

// `idsync export --masked`: a tenant's directory for a staging environment — users, groups,
// memberships and webhook subscriptions (never their secrets) — with every personal value
// pseudonymised consistently (./pseudonymizer.ts). Ids stay, so memberships, managers and
// subscriptions keep their references.

export interface MaskedTenantExport {
  format: 'idsync.masked-export.v1';
  exportedAt: string;
  tenant: { id: string; name: string };
  /** true when a --seed made the mapping reproducible; otherwise its key was random and is gone. */
  seeded: boolean;
  users: Array<{ id: string; version: number; data: Record<string, unknown> }>;
  groups: Array<{ id: string; version: number; data: Record<string, unknown> }>;
  memberships: Array<{ groupId: string; memberId: string; memberType: string }>;
  subscriptions: Array<Record<string, unknown>>;
}

interface ResourceRow {
  id: string;
  resource_type: 'User' | 'Group';
  version: number;
  data: ScimJsonObject;
  pii_ciphertext: string | null;
}

interface SubscriptionRow {
  id: string;
  url: string;
  event_types: string[];
  description: string | null;
  enabled: boolean;
  max_concurrency: number;
  custom_headers: Record<string, string>;
  ordered_delivery: boolean;
  rate_limit_per_second: number | null;
  resource_filter: string | null;
  attribute_mapping: unknown;
}

export class MaskedTenantExporter {
  constructor(private readonly db: DataSource) {}

  async export(tenant: { id: string; name: string }, seed?: string): Promise<MaskedTenantExport> {
    const masker = new Pseudonymizer(seed);
    // Rows of a tenant with encrypt_pii carry part of the document encrypted: masked from the whole document.
    const store = new ScimResourceStore(this.db);
    const resources = (await this.db.query('SELECT id, resource_type, version, data, pii_ciphertext FROM scim_resources WHERE tenant_id = $1 ORDER BY resource_type, created_at, id', [
      tenant.id,
    ])) as ResourceRow[];
    const memberships = (await this.db.query(
      'SELECT group_id AS "groupId", member_id AS "memberId", member_type AS "memberType" FROM scim_group_members WHERE tenant_id = $1 ORDER BY group_id, member_id',
      [tenant.id],
    )) as MaskedTenantExport['memberships'];
    const subscriptions = (await this.db.query(
      `SELECT id, url, event_types, description, enabled, max_concurrency, custom_headers, ordered_delivery, rate_limit_per_second, resource_filter, attribute_mapping
         FROM webhook_subscriptions WHERE tenant_id = $1 ORDER BY created_at, id`,
      [tenant.id],
    )) as SubscriptionRow[];
    const masked = (type: 'User' | 'Group') =>
      resources.filter((r) => r.resource_type === type).map((r) => ({ id: r.id, version: r.version, data: masker.maskDocument(store.openDocument(tenant.id, r.id, r.data, r.pii_ciphertext), type) }));
    return {
      format: 'idsync.masked-export.v1',
      exportedAt: new Date().toISOString(),
      tenant,
      seeded: seed !== undefined,
      users: masked('User'),
      groups: masked('Group'),
      memberships,
      subscriptions: subscriptions.map((s) => ({
        id: s.id,
        // Query strings and user-info can carry tokens; staging gets its own endpoints anyway.
        url: withoutCredentials(s.url),
        eventTypes: s.event_types,
        description: s.description === null ? null : masker.pseudonym('text', s.description),
        enabled: s.enabled,
        maxConcurrency: s.max_concurrency,
        // Header values are often credentials: names only.
        customHeaderNames: Object.keys(s.custom_headers ?? {}),
        orderedDelivery: s.ordered_delivery,
        rateLimitPerSecond: s.rate_limit_per_second,
        // String literals in a filter may name a person (userName eq "…").
        resourceFilter: s.resource_filter?.replace(/"((?:[^"\\]|\\.)*)"/g, (_m, v: string) => `"${masker.pseudonym('text', v)}"`) ?? null,
        attributeMapping: s.attribute_mapping,
      })),
    };
  }
}

function withoutCredentials(raw: string): string {
  try {
    const url = new URL(raw);
    url.username = '';
    url.password = '';
    url.search = '';
    url.hash = '';
    return url.toString();
  } catch {
    return '[invalid url]';
  }
}
