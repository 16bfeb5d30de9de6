import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Agent } from 'undici';
import { DataSource } from 'typeorm';
import { loadKeyRing } from '@idsync/crypto';
import { OktaAccessTokenProvider } from './okta-api/okta-access-token.provider';
import { OktaApiCredentialsReader } from './okta-api/okta-api-credentials';
import { OktaManagementClient } from './okta-api/okta-management.client';
import { OktaProfileCache, type OktaUserProfile } from './okta-api/okta-profile.cache';
import { OktaRateLimitGovernor } from './okta-api/okta-rate-limit.governor';
import { oktaProfileLookups } from './okta.metrics';
import { OktaWorkerConfig } from './okta-worker.config';

export interface EnrichmentRequest {
  tenantId: string;
  oktaUserId: string;
  publishedMs: number;
  changesUser: boolean;
  heartbeat?: () => Promise<void>;
}

/**
 * The Okta profile an event needs, from the cache or the Management API. Null when the tenant has
 * no API access configured, Okta no longer has the user, or Okta stayed unavailable for
 * OKTA_API_MAX_WAIT_MS: the event is then published without it rather than held back — a
 * lockout must not wait on a profile.
 */
@Injectable()
export class OktaUserEnricher implements OnApplicationShutdown {
  private readonly logger = new Logger(OktaUserEnricher.name);
  private readonly dispatcher: Agent;
  private readonly credentials: OktaApiCredentialsReader;
  private readonly client: OktaManagementClient;
  private readonly cache: OktaProfileCache;

  constructor(
    db: DataSource,
    private readonly config: OktaWorkerConfig,
  ) {
    // The shared ring (IDSYNC_KEYS_FILE / IDSYNC_KEYS, else these older settings).
    const cipher = loadKeyRing({ ENCRYPTION_KEYS: config.ENCRYPTION_KEYS, ENCRYPTION_ACTIVE_KEY_ID: config.ENCRYPTION_ACTIVE_KEY_ID });
    this.dispatcher = new Agent({ connectTimeout: config.OKTA_API_TIMEOUT_MS, keepAliveTimeout: 30_000 });
    this.credentials = new OktaApiCredentialsReader(db, cipher);
    const governor = new OktaRateLimitGovernor();
    this.client = new OktaManagementClient(this.dispatcher, governor, new OktaAccessTokenProvider(this.dispatcher, config.OKTA_API_TIMEOUT_MS), config.OKTA_API_TIMEOUT_MS);
    this.cache = new OktaProfileCache(config.OKTA_PROFILE_CACHE_TTL_MS);
  }

  async profileOf(req: EnrichmentRequest): Promise<OktaUserProfile | null> {
    const cached = this.cache.get(req.tenantId, req.oktaUserId, req);
    if (cached) {
      oktaProfileLookups.inc({ result: 'hit' });
      return cached;
    }
    const creds = await this.credentials.forTenant(req.tenantId);
    if (!creds) {
      oktaProfileLookups.inc({ result: 'not_configured' });
      return null;
    }
    const fetchedAt = Date.now();
    try {
      const user = await this.client.getUser(creds, req.oktaUserId, {
        share: Math.min(creds.rateLimitShare ?? this.config.OKTA_API_RATE_LIMIT_SHARE, this.config.OKTA_API_RATE_LIMIT_SHARE),
        maxWaitMs: this.config.OKTA_API_MAX_WAIT_MS,
        heartbeat: req.heartbeat,
      });
      oktaProfileLookups.inc({ result: user ? 'fetched' : 'unavailable' });
      if (!user) return null;
      this.cache.set(req.tenantId, req.oktaUserId, user, fetchedAt);
      return user;
    } catch (err) {
      oktaProfileLookups.inc({ result: 'unavailable' });
      this.logger.warn(`Okta profile of a user in tenant ${req.tenantId} unavailable; publishing without it: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.dispatcher.close();
  }
}
