import * as oidc from 'openid-client';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { HeldRole } from '../admin-principal';
import { parseDuration } from '../admin-roles';
import { isLoopbackUrl, type AdminSsoConfig } from './admin-sso.config';
import { groupsOf, parseRoleMap, rolesOfGroups, type RoleMapping } from './role-map';

/** DI token of the process's AdminSso (AdminSsoModule provides it; absent in unit tests). */
export const ADMIN_SSO = Symbol('ADMIN_SSO');

/** Signing algorithms accepted from the IdP (never `none`, never HMAC: the client secret is not a signing key here). */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
/** Clock difference tolerated between the IdP and this host. */
const CLOCK_TOLERANCE_SECONDS = 30;
const IDP_TIMEOUT_SECONDS = 10;

/** A person the IdP vouched for: the idsync subject and the roles their groups map to. */
export interface SsoIdentity {
  /** `oidc:<issuer>#<sub>`: stable (the IdP never reuses a sub), and the subject JIT grants name. */
  subject: string;
  /** What the console shows: the `preferred_username`/`email`/`name` claim, else the sub. Not stored in audit records. */
  displayName: string;
  roles: HeldRole[];
}

export type SsoRefusalReason = 'invalid-token' | 'mfa-required' | 'no-mapped-group';
export type SsoOutcome = { ok: true; identity: SsoIdentity } | { ok: false; reason: SsoRefusalReason; subject?: string; message: string };

/** What the console keeps between sending a person to the IdP and their return (never sent to the browser). */
export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** A bearer value shaped like a compact JWS (admin tokens `idsa_…` never contain dots). */
export function looksLikeJwt(value: string): boolean {
  return JWT_SHAPE.test(value);
}

/**
 * People's single sign-on through the company's OpenID Connect provider (Okta first): the
 * console's authorization code flow (PKCE, state, nonce; openid-client) and verification of
 * IdP-issued JWTs presented to the admin API (jose, the issuer's JWKS, cached). Both end in the
 * same decision: MFA shown (amr/acr), groups mapped to roles by OIDC_ROLE_MAP, or refused.
 * The IdP is contacted lazily (discovery on first use, retried after a failure), so an IdP
 * outage never stops the app from starting; admin tokens keep working meanwhile.
 */
export class AdminSso {
  private readonly mappings: RoleMapping[];
  private readonly mfaAmr: Set<string>;
  private readonly mfaAcr: Set<string>;
  private readonly audiences: string[];
  private discovered: Promise<oidc.Configuration> | undefined;
  private jwks: ReturnType<typeof createRemoteJWKSet> | undefined;

  constructor(readonly config: AdminSsoConfig) {
    this.mappings = config.enabled ? parseRoleMap(config.OIDC_ROLE_MAP) : [];
    this.mfaAmr = new Set(config.OIDC_MFA_AMR.split(',').map((v) => v.trim()).filter(Boolean));
    this.mfaAcr = new Set(config.OIDC_ACR_VALUES.split(/\s+/).filter(Boolean));
    this.audiences = [config.OIDC_CLIENT_ID, config.OIDC_API_AUDIENCE].filter(Boolean);
  }

  get enabled(): boolean {
    return this.config.enabled;
  }

  get consoleEnabled(): boolean {
    return this.config.consoleEnabled;
  }

  get sessionTtlMs(): number {
    return parseDuration(this.config.OIDC_SESSION_TTL) ?? 8 * 3_600_000;
  }

  /** The IdP's metadata (discovery), fetched once; a failed fetch is retried by the next caller. */
  async configuration(): Promise<oidc.Configuration> {
    this.discovered ??= this.discover().catch((err: unknown) => {
      this.discovered = undefined;
      throw err;
    });
    return this.discovered;
  }

  private async discover(): Promise<oidc.Configuration> {
    const issuer = new URL(this.config.OIDC_ISSUER);
    const auth = this.config.OIDC_CLIENT_SECRET ? oidc.ClientSecretBasic(this.config.OIDC_CLIENT_SECRET) : oidc.None();
    const configuration = await oidc.discovery(issuer, this.config.OIDC_CLIENT_ID, undefined, auth, {
      // Plain http only for a provider on this machine (config validation refuses it elsewhere).
      execute: isLoopbackUrl(issuer) && issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
      timeout: IDP_TIMEOUT_SECONDS,
    });
    configuration.timeout = IDP_TIMEOUT_SECONDS;
    return configuration;
  }

  /** Where to send a person to sign in, and the checks to keep until they come back. */
  async startSignIn(): Promise<{ url: URL; pending: PendingSignIn }> {
    const configuration = await this.configuration();
    const pending: PendingSignIn = { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier() };
    const params: Record<string, string> = {
      redirect_uri: this.config.OIDC_REDIRECT_URL,
      scope: this.config.OIDC_SCOPES,
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.codeVerifier),
      code_challenge_method: 'S256',
    };
    if (this.config.OIDC_ACR_VALUES) params.acr_values = this.config.OIDC_ACR_VALUES;
    return { url: oidc.buildAuthorizationUrl(configuration, params), pending };
  }

  /**
   * The IdP's redirect back (`search` = its query string): state, PKCE and nonce checked, the code
   * exchanged, the ID token validated by openid-client, then the same MFA and role rules as bearer tokens.
   */
  async finishSignIn(search: string, pending: PendingSignIn): Promise<SsoOutcome> {
    const configuration = await this.configuration();
    const callback = new URL(this.config.OIDC_REDIRECT_URL);
    callback.search = search;
    let claims: JWTPayload | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, callback, { pkceCodeVerifier: pending.codeVerifier, expectedState: pending.state, expectedNonce: pending.nonce, idTokenExpected: true });
      claims = tokens.claims();
    } catch (err) {
      return { ok: false, reason: 'invalid-token', message: signInErrorOf(err) };
    }
    if (!claims) return { ok: false, reason: 'invalid-token', message: 'The identity provider returned no ID token' };
    return this.decide(claims);
  }

  /** An IdP-issued JWT presented as `Authorization: Bearer` on the admin API: signature (JWKS), iss, aud, exp/nbf, then MFA and roles. */
  async verifyBearer(token: string): Promise<SsoOutcome> {
    try {
      const configuration = await this.configuration();
      const jwksUri = configuration.serverMetadata().jwks_uri;
      if (!jwksUri) return { ok: false, reason: 'invalid-token', message: 'The identity provider publishes no jwks_uri' };
      // jose caches the key set and refetches it (rate-limited) when a token names an unknown kid: IdP key rotation needs no restart.
      this.jwks ??= createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: IDP_TIMEOUT_SECONDS * 1000 });
      const { payload } = await jwtVerify(token, this.jwks, {
        issuer: configuration.serverMetadata().issuer,
        audience: this.audiences,
        algorithms: ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'sub'],
      });
      return this.decide(payload);
    } catch (err) {
      return { ok: false, reason: 'invalid-token', message: err instanceof joseErrors.JOSEError ? err.code : 'the identity provider could not be reached' };
    }
  }

  /** MFA rule, then groups → roles. Exposed for tests of the rules on their own. */
  decide(claims: JWTPayload): SsoOutcome {
    if (typeof claims.sub !== 'string' || claims.sub === '' || typeof claims.iss !== 'string') return { ok: false, reason: 'invalid-token', message: 'The token names no subject' };
    const subject = `oidc:${claims.iss}#${claims.sub}`;
    if (this.config.OIDC_REQUIRE_MFA && !this.showsMfa(claims)) {
      return { ok: false, reason: 'mfa-required', subject, message: 'Your sign-in did not use multi-factor authentication, which idsync requires. Sign in again with your second factor.' };
    }
    const roles = rolesOfGroups(this.mappings, groupsOf(claims[this.config.OIDC_ROLES_CLAIM]));
    if (roles.length === 0) {
      return { ok: false, reason: 'no-mapped-group', subject, message: 'You signed in, but none of your groups gives a role in idsync. Ask an idsync administrator to add you to one of its groups.' };
    }
    const display = [claims.preferred_username, claims.email, claims.name].find((v): v is string => typeof v === 'string' && v !== '') ?? claims.sub;
    return { ok: true, identity: { subject, displayName: display, roles } };
  }

  private showsMfa(claims: JWTPayload): boolean {
    const amr = Array.isArray(claims.amr) ? claims.amr.filter((v): v is string => typeof v === 'string') : [];
    if (amr.some((method) => this.mfaAmr.has(method))) return true;
    return typeof claims.acr === 'string' && this.mfaAcr.has(claims.acr);
  }
}

/** A short reason for the failure page and the audit record (never the token or the IdP's full response). */
function signInErrorOf(err: unknown): string {
  if (err instanceof oidc.AuthorizationResponseError) return `The identity provider refused the sign-in (${err.error})`;
  if (err instanceof oidc.ResponseBodyError) return `The identity provider refused the code exchange (${err.error})`;
  if (err instanceof Error && 'code' in err && typeof err.code === 'string') return `The sign-in response failed validation (${err.code})`;
  return 'The sign-in response could not be validated';
}
