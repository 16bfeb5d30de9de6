import { setTimeout as sleep } from 'node:timers/promises';
import { request, type Dispatcher } from 'undici';
import type { OktaApiCredentials } from './okta-api-credentials';
import { OktaAccessTokenProvider } from './okta-access-token.provider';
import type { OktaUserProfile } from './okta-profile.cache';
import { OktaRateLimitGovernor } from './okta-rate-limit.governor';
import { oktaApiResponses } from '../okta.metrics';

export class OktaApiError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'OktaApiError';
  }
}

export interface FetchOptions {
  /** Share of the org's rate limit this call may use. */
  share: number;
  /** Total time budget (rate-limit waits, retries). */
  maxWaitMs: number;
  heartbeat?: () => Promise<void>;
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The Okta Management API calls the worker makes — `GET /api/v1/users/{id}` — through the rate
 * limit governor: within the configured share of each window, on 429 waiting until the reset
 * (with jitter), on timeouts and 5xx retrying with backoff, all within `maxWaitMs`. undici, one
 * keep-alive pool per org.
 */
export class OktaManagementClient {
  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly governor: OktaRateLimitGovernor,
    private readonly tokens: OktaAccessTokenProvider,
    private readonly timeoutMs: number,
  ) {}

  /** The user, or undefined when Okta no longer has it (404). */
  async getUser(creds: OktaApiCredentials, userId: string, opts: FetchOptions): Promise<OktaUserProfile | undefined> {
    if (!/^[A-Za-z0-9]{1,64}$/.test(userId)) throw new OktaApiError('not an Okta user id', false);
    const org = creds.orgUrl;
    const deadline = Date.now() + opts.maxWaitMs;
    for (let attempt = 1; ; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new OktaApiError(`no answer from Okta within ${opts.maxWaitMs} ms`, true);
      const outcome = await this.governor.exclusive(org, async () => {
        await this.governor.acquire(org, opts.share, remaining, opts.heartbeat);
        return this.attempt(creds, userId);
      });
      if (outcome.kind === 'ok') return outcome.user;
      if (outcome.kind === 'gone') return undefined;
      if (outcome.kind === 'fatal') throw new OktaApiError(outcome.message, false);
      // 429: the governor waits for the reset it was told; without one (or for timeouts and 5xx) back off here.
      if (outcome.kind === 'transient' || this.governor.delayMs(org, opts.share) === 0) await sleep(Math.min(5_000, 200 * 2 ** Math.min(attempt, 5)));
    }
  }

  private async attempt(
    creds: OktaApiCredentials,
    userId: string,
  ): Promise<{ kind: 'ok'; user: OktaUserProfile } | { kind: 'gone' } | { kind: 'rate-limited' } | { kind: 'transient' } | { kind: 'fatal'; message: string }> {
    let authorization: string;
    try {
      authorization = await this.tokens.authorization(creds);
    } catch (err) {
      return { kind: 'fatal', message: err instanceof Error ? err.message : String(err) };
    }
    let res: Dispatcher.ResponseData;
    try {
      res = await request(`${creds.orgUrl}/api/v1/users/${encodeURIComponent(userId)}`, {
        method: 'GET',
        headers: { authorization, accept: 'application/json' },
        dispatcher: this.dispatcher,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
    } catch {
      oktaApiResponses.inc({ status: 'error' });
      return { kind: 'transient' };
    }
    oktaApiResponses.inc({ status: statusLabel(res.statusCode) });
    this.governor.observe(creds.orgUrl, res.statusCode, {
      limit: header(res.headers, 'x-rate-limit-limit'),
      remaining: header(res.headers, 'x-rate-limit-remaining'),
      reset: header(res.headers, 'x-rate-limit-reset'),
      date: header(res.headers, 'date'),
    });
    let text: string;
    try {
      text = await res.body.text();
    } catch {
      return { kind: 'transient' };
    }
    if (res.statusCode === 429) return { kind: 'rate-limited' };
    if (res.statusCode === 404) return { kind: 'gone' };
    if (res.statusCode === 401) this.tokens.forget(creds.tenantId);
    if (res.statusCode >= 500) return { kind: 'transient' };
    if (res.statusCode !== 200) return { kind: 'fatal', message: `Okta answered ${res.statusCode} to GET /api/v1/users/{id}` };
    try {
      const body = JSON.parse(text) as { status?: unknown; profile?: unknown };
      const profile = typeof body.profile === 'object' && body.profile !== null && !Array.isArray(body.profile) ? (body.profile as Record<string, unknown>) : {};
      return { kind: 'ok', user: { status: typeof body.status === 'string' ? body.status : null, profile } };
    } catch {
      return { kind: 'transient' };
    }
  }
}

function statusLabel(code: number): string {
  if (code === 429 || code === 404) return String(code);
  return `${Math.floor(code / 100)}xx`;
}
