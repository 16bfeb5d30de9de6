import { IsBoolean, IsInt, IsNumber, IsOptional, IsString, Max, Min } from 'class-validator';
import { BaseAppConfig } from '@idsync/platform';

/** scim-gateway settings (environment variables; see README's configuration table). */
export class GatewayConfig extends BaseAppConfig {
  override PORT = 3000;

  /** Largest outbox batch one relay transaction publishes. */
  @IsInt()
  @Min(1)
  OUTBOX_BATCH_SIZE = 500;

  /** Fallback poll interval of the outbox relay; NOTIFY wakes it sooner. */
  @IsInt()
  @Min(50)
  OUTBOX_POLL_MS = 1_000;

  /** Largest accepted request body (bytes); larger bodies get 413. Advertised as bulk.maxPayloadSize. */
  @IsInt()
  @Min(1024)
  SCIM_MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

  /** Largest page a list/query returns (count is capped to it); advertised in ServiceProviderConfig. */
  @IsInt()
  @Min(1)
  @Max(10_000)
  SCIM_MAX_RESULTS = 1_000;

  /** Most clauses in one filter or PATCH path (each comparison, presence test and value path counts one); more is 400 invalidFilter. */
  @IsInt()
  @Min(1)
  @Max(10_000)
  SCIM_FILTER_MAX_CLAUSES = 100;

  /** Sustained SCIM requests per second per tenant (token bucket after authentication, per replica; 429 + Retry-After above it); 0 = off. */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  SCIM_RATE_LIMIT_TENANT_RPS = 5_000;

  /** SCIM requests one tenant may send at once before SCIM_RATE_LIMIT_TENANT_RPS applies. */
  @IsInt()
  @Min(1)
  SCIM_RATE_LIMIT_TENANT_BURST = 10_000;

  /** Most operations one /Bulk request may carry. */
  @IsInt()
  @Min(1)
  SCIM_BULK_MAX_OPERATIONS = 1_000;

  /** Public base URL of the SCIM API (used in meta.location and $ref); derived from the request when empty. */
  @IsString()
  SCIM_BASE_URL = '';

  /** Path of a JSON file declaring custom schema extensions (see docs/SCIM.md). */
  @IsString()
  SCIM_SCHEMA_EXTENSIONS_FILE = '';

  /** SCIM writes running at once; more wait in a bounded queue (0: derived from DATABASE_POOL_SIZE). */
  @IsInt()
  @Min(0)
  SCIM_MAX_CONCURRENT_WRITES = 0;

  /** SCIM writes waiting for a slot before new ones get 503 + Retry-After (0: derived, 4× the concurrent writes). */
  @IsInt()
  @Min(0)
  SCIM_MAX_QUEUED_WRITES = 0;

  /** Longest a queued SCIM write waits for a slot before it gets 503 + Retry-After. */
  @IsInt()
  @Min(1)
  SCIM_WRITE_QUEUE_TIMEOUT_MS = 2_000;

  /**
   * Writes allowed at once: each write transaction holds one pooled connection, and the pool also
   * serves token checks, reads, the outbox relay and health, so a quarter of it stays free.
   */
  get maxConcurrentWrites(): number {
    return this.SCIM_MAX_CONCURRENT_WRITES || Math.max(1, Math.floor((this.DATABASE_POOL_SIZE * 3) / 4));
  }

  get maxQueuedWrites(): number {
    return this.SCIM_MAX_QUEUED_WRITES || 4 * this.maxConcurrentWrites;
  }

  /** Minutes between periodic reconciliation runs over every tenant (docs/RELIABILITY.md); 0 = off. */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  RECONCILE_INTERVAL_MINUTES = 0;

  /** Whether the periodic reconciliation also repairs what it finds (otherwise it only reports: logs and metrics). */
  @IsBoolean()
  RECONCILE_REPAIR = false;

  /** A change published this recently is still travelling through the worker: not drift. */
  @IsInt()
  @Min(0)
  RECONCILE_SETTLE_SECONDS = 30;

  /** Admin API token (protects /admin/*); the admin API is disabled while it is empty. */
  @IsOptional()
  @IsString()
  ADMIN_API_TOKEN = '';
}
