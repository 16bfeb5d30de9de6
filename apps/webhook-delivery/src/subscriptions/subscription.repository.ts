import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { GroupCommit } from '@idsync/platform';
import { sqlRows } from '../delivery/sql-rows';
import { headerNamesOnly, maskHeaderValues } from './custom-headers';

/** What an operator sets on a subscription (create/update). */
export interface SubscriptionFields {
  url: string;
  eventTypes: string[];
  description: string | null;
  enabled: boolean;
  maxConcurrency: number;
  /** Attempts started per second at most (null: unlimited). */
  rateLimitPerSecond: number | null;
  /** Name → value. Stored sealed (see SubscriptionRepository); read back masked. */
  customHeaders: Record<string, string>;
  orderedDelivery: boolean;
  /** SCIM filter on the event's resource (null: every resource). */
  resourceFilter: string | null;
  /** Target field → SCIM path; replaces data.resource (null: the full resource). */
  attributeMapping: Record<string, string> | null;
}

export interface Subscription extends SubscriptionFields {
  id: string;
  tenantId: string;
  disabledReason: string | null;
  /** Since when every attempt has failed (null: the last attempt succeeded, or none yet). */
  failingSince: string | null;
  createdAt: string;
  updatedAt: string;
}

interface SubscriptionRow {
  id: string;
  tenant_id: string;
  url: string;
  event_types: string[];
  description: string | null;
  enabled: boolean;
  disabled_reason: string | null;
  max_concurrency: number;
  rate_limit_per_second: number | null;
  custom_headers: Record<string, string>;
  ordered_delivery: boolean;
  resource_filter: string | null;
  attribute_mapping: Record<string, string> | null;
  failing_since: Date | null;
  created_at: Date;
  updated_at: Date;
}

function toSubscription(r: SubscriptionRow): Subscription {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    url: r.url,
    eventTypes: r.event_types,
    description: r.description,
    enabled: r.enabled,
    disabledReason: r.disabled_reason,
    maxConcurrency: r.max_concurrency,
    rateLimitPerSecond: r.rate_limit_per_second,
    // Values are write-only (they often are the target's credentials): names and a mask.
    customHeaders: maskHeaderValues(r.custom_headers),
    orderedDelivery: r.ordered_delivery,
    resourceFilter: r.resource_filter,
    attributeMapping: r.attribute_mapping,
    failingSince: r.failing_since?.toISOString() ?? null,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

const COLUMNS = 'id, tenant_id, url, event_types, description, enabled, disabled_reason, max_concurrency, rate_limit_per_second, custom_headers, ordered_delivery, resource_filter, attribute_mapping, failing_since, created_at, updated_at';

/** Subscriptions and their secrets. Every statement is scoped by tenant_id. */
@Injectable()
export class SubscriptionRepository {

  private readonly enabledLookups = new GroupCommit<string, Subscription[]>((tenantIds) => this.listEnabledMany(tenantIds));

  constructor(private readonly db: DataSource) {}

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  /**
   * `sealedHeaders` is the vault's ciphertext of fields.customHeaders (null when there are none);
   * only the header names are stored in clear.
   */
  async insert(tx: EntityManager, tenantId: string, fields: SubscriptionFields, sealedHeaders: string | null, id: string = randomUUID()): Promise<Subscription> {
    const rows: SubscriptionRow[] = await tx.query(
      `INSERT INTO webhook_subscriptions (id, tenant_id, url, event_types, description, enabled, max_concurrency, custom_headers, ordered_delivery, rate_limit_per_second, rate_tokens, resource_filter, attribute_mapping, custom_headers_ciphertext)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, coalesce($10, 0), $11, $12, $13) RETURNING ${COLUMNS}`,
      [
        id, tenantId, fields.url, fields.eventTypes, fields.description, fields.enabled, fields.maxConcurrency, JSON.stringify(headerNamesOnly(fields.customHeaders)),
        fields.orderedDelivery, fields.rateLimitPerSecond, fields.resourceFilter, fields.attributeMapping === null ? null : JSON.stringify(fields.attributeMapping), sealedHeaders,
      ],
    );
    return toSubscription(rows[0]);
  }

  async find(tenantId: string, id: string, tx: EntityManager = this.db.manager): Promise<Subscription | undefined> {
    const rows: SubscriptionRow[] = await tx.query(`SELECT ${COLUMNS} FROM webhook_subscriptions WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
    return rows[0] ? toSubscription(rows[0]) : undefined;
  }

  async list(tenantId: string): Promise<Subscription[]> {
    const rows: SubscriptionRow[] = await this.db.query(`SELECT ${COLUMNS} FROM webhook_subscriptions WHERE tenant_id = $1 ORDER BY created_at, id`, [tenantId]);
    return rows.map(toSubscription);
  }

  /** The enabled subscriptions of a tenant; the lookups of events fanned out at the same moment share one query (group commit). */
  listEnabled(tenantId: string): Promise<Subscription[]> {
    return this.enabledLookups.submit(tenantId);
  }

  private async listEnabledMany(tenantIds: string[]): Promise<Subscription[][]> {
    const rows: SubscriptionRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM webhook_subscriptions WHERE tenant_id = ANY($1::uuid[]) AND enabled ORDER BY created_at, id`,
      [[...new Set(tenantIds)]],
    );
    const byTenant = new Map<string, Subscription[]>();
    for (const r of rows) {
      const list = byTenant.get(r.tenant_id) ?? [];
      list.push(toSubscription(r));
      byTenant.set(r.tenant_id, list);
    }
    return tenantIds.map((t) => byTenant.get(t.toLowerCase()) ?? []);
  }

  /** `sealedHeaders`: as for insert; undefined leaves the stored headers (names and values) alone. */
  async update(tenantId: string, id: string, fields: SubscriptionFields, sealedHeaders: string | null | undefined): Promise<Subscription | undefined> {
    const rows: SubscriptionRow[] = sqlRows(await this.db.query(
      `UPDATE webhook_subscriptions SET url = $3, event_types = $4, description = $5, enabled = $6,
         disabled_reason = CASE WHEN $6 THEN NULL ELSE disabled_reason END,
         failing_since = CASE WHEN $6 AND NOT enabled THEN NULL ELSE failing_since END,
         max_concurrency = $7, ordered_delivery = $9, rate_limit_per_second = $10,
         custom_headers = CASE WHEN $13 THEN $8::jsonb ELSE custom_headers END,
         custom_headers_ciphertext = CASE WHEN $13 THEN $14 ELSE custom_headers_ciphertext END,
         resource_filter = $11, attribute_mapping = $12, updated_at = now()
       WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [
        tenantId, id, fields.url, fields.eventTypes, fields.description, fields.enabled, fields.maxConcurrency, JSON.stringify(headerNamesOnly(fields.customHeaders)),
        fields.orderedDelivery, fields.rateLimitPerSecond, fields.resourceFilter, fields.attributeMapping === null ? null : JSON.stringify(fields.attributeMapping),
        sealedHeaders !== undefined, sealedHeaders ?? null,
      ],
    ));
    return rows[0] ? toSubscription(rows[0]) : undefined;
  }

  /**
   * The real custom header values of one subscription: opened from the ciphertext, or the clear
   * values of a row written before encryption that has not been sealed yet.
   */
  async storedHeaders(tenantId: string, id: string, open: (ciphertext: string) => Record<string, string>): Promise<Record<string, string>> {
    const rows: Array<{ custom_headers: Record<string, string>; custom_headers_ciphertext: string | null }> = await this.db.query(
      'SELECT custom_headers, custom_headers_ciphertext FROM webhook_subscriptions WHERE tenant_id = $1 AND id = $2',
      [tenantId, id],
    );
    if (!rows[0]) return {};
    return rows[0].custom_headers_ciphertext ? open(rows[0].custom_headers_ciphertext) : rows[0].custom_headers;
  }

  /** Rows written before custom headers were encrypted, still holding clear values (any tenant: a start-up pass). */
  async unsealedHeaders(limit: number): Promise<Array<{ id: string; customHeaders: Record<string, string> }>> {
    const rows: Array<{ id: string; custom_headers: Record<string, string> }> = await this.db.query(
      `SELECT id, custom_headers FROM webhook_subscriptions
       WHERE custom_headers_ciphertext IS NULL AND EXISTS (SELECT 1 FROM jsonb_each_text(custom_headers) h WHERE h.value <> '')
       ORDER BY id LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ id: r.id, customHeaders: r.custom_headers }));
  }

  /** Seals one such row unless it changed meanwhile (then the next pass sees its new state). */
  async sealHeaders(id: string, clear: Record<string, string>, sealed: string): Promise<void> {
    await this.db.query(
      `UPDATE webhook_subscriptions SET custom_headers = $2::jsonb, custom_headers_ciphertext = $3
       WHERE id = $1 AND custom_headers_ciphertext IS NULL AND custom_headers = $4::jsonb`,
      [id, JSON.stringify(headerNamesOnly(clear)), sealed, JSON.stringify(clear)],
    );
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const rows: unknown[] = sqlRows(await this.db.query('DELETE FROM webhook_subscriptions WHERE tenant_id = $1 AND id = $2 RETURNING id', [tenantId, id]));
    return rows.length > 0;
  }

  async disable(tx: EntityManager, tenantId: string, id: string, reason: string): Promise<void> {
    await tx.query('UPDATE webhook_subscriptions SET enabled = false, disabled_reason = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2', [tenantId, id, reason]);
  }

  /**
   * Tracks continuous failure of the endpoint: a success clears failing_since, a failure sets it
   * if unset. Returns failing_since after the update.
   */
  async recordEndpointHealth(tx: EntityManager, tenantId: string, id: string, succeeded: boolean, at: Date): Promise<Date | null> {
    const rows: Array<{ failing_since: Date | null }> = sqlRows(
      await tx.query(
        `UPDATE webhook_subscriptions SET failing_since = CASE WHEN $3 THEN NULL ELSE COALESCE(failing_since, $4) END
         WHERE tenant_id = $1 AND id = $2 RETURNING failing_since`,
        [tenantId, id, succeeded, at],
      ),
    );
    return rows[0]?.failing_since ?? null;
  }

  /**
   * The success side of recordEndpointHealth for many endpoints at once: clears failing_since
   * where it is set. Rows already clear are not updated, so no row lock is taken in the common case
   * (a lock there would make the claimer, which skips locked endpoints, pass over the endpoint).
   */
  async clearFailing(tx: EntityManager, endpoints: Array<{ tenantId: string; id: string }>): Promise<void> {
    if (endpoints.length === 0) return;
    await tx.query(
      `UPDATE webhook_subscriptions s SET failing_since = NULL
       FROM unnest($1::uuid[], $2::uuid[]) AS e(tenant_id, id)
       WHERE s.tenant_id = e.tenant_id AND s.id = e.id AND s.failing_since IS NOT NULL`,
      [endpoints.map((e) => e.tenantId), endpoints.map((e) => e.id)],
    );
  }

  /** Stores a new current secret (already encrypted under `secretId`). */
  async insertSecret(tx: EntityManager, tenantId: string, subscriptionId: string, secretId: string, ciphertext: string): Promise<void> {
    await tx.query('INSERT INTO webhook_secrets (id, tenant_id, subscription_id, secret_ciphertext) VALUES ($1, $2, $3, $4)', [secretId, tenantId, subscriptionId, ciphertext]);
  }

  /** Every secret still signing now ends its life at most `graceSeconds` from now. */
  async expireSecrets(tx: EntityManager, tenantId: string, subscriptionId: string, graceSeconds: number): Promise<void> {
    await tx.query(
      `UPDATE webhook_secrets SET expires_at = LEAST(COALESCE(expires_at, 'infinity'), now() + make_interval(secs => $3))
       WHERE tenant_id = $1 AND subscription_id = $2 AND (expires_at IS NULL OR expires_at > now())`,
      [tenantId, subscriptionId, graceSeconds],
    );
  }
}
