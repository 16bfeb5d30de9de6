import { IsInt, IsNumber, IsString, Max, Min } from 'class-validator';

/**
 * sync-worker settings of Okta event processing and enrichment (environment variables; README's
 * configuration table). Its own class, loaded and validated when the Okta module starts.
 */
export class OktaWorkerConfig {
  /** Key ring the Okta API credentials were encrypted with (the gateway's ENCRYPTION_KEYS). Empty: no enrichment. */
  @IsString()
  ENCRYPTION_KEYS = '';

  @IsString()
  ENCRYPTION_ACTIVE_KEY_ID = '';

  /** Deadline of one Okta Management API request (connect + response). */
  @IsInt()
  @Min(100)
  OKTA_API_TIMEOUT_MS = 10_000;

  /** Share of an org's Okta rate limit (per window, X-Rate-Limit-Limit) the worker may use; a tenant's config may lower it. */
  @IsNumber()
  @Min(0.01)
  @Max(1)
  OKTA_API_RATE_LIMIT_SHARE = 0.5;

  /** Longest one profile fetch may wait for rate-limit windows and retries before the event is published without it. */
  @IsInt()
  @Min(1_000)
  OKTA_API_MAX_WAIT_MS = 120_000;

  /** How long a fetched Okta profile is reused (later events that change the user invalidate it). */
  @IsInt()
  @Min(0)
  OKTA_PROFILE_CACHE_TTL_MS = 300_000;
}
