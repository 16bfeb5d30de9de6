import { IsBoolean, IsString, Matches, Validate, ValidatorConstraint, type ValidationArguments, type ValidatorConstraintInterface } from 'class-validator';
import { parseDuration } from '../admin-roles';
import { parseRoleMap } from './role-map';

/** Hosts whose issuer may be plain http (a local test provider); every other issuer must be https. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function isLoopbackUrl(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname);
}

/** Why the SSO settings cannot work together, or undefined. Checked only when OIDC_ISSUER is set. */
export function ssoConfigProblem(config: AdminSsoConfig): string | undefined {
  if (config.OIDC_ISSUER === '') return undefined;
  let issuer: URL;
  try {
    issuer = new URL(config.OIDC_ISSUER);
  } catch {
    return 'OIDC_ISSUER must be a URL (the identity provider issuer, e.g. https://acme.okta.com)';
  }
  if (issuer.protocol !== 'https:' && !(issuer.protocol === 'http:' && isLoopbackUrl(issuer))) return 'OIDC_ISSUER must be https (plain http only for a provider on 127.0.0.1/localhost)';
  if (config.OIDC_CLIENT_ID === '') return 'OIDC_CLIENT_ID is required when OIDC_ISSUER is set';
  if (config.OIDC_ROLE_MAP === '') return 'OIDC_ROLE_MAP is required when OIDC_ISSUER is set (which IdP groups get which idsync role)';
  try {
    parseRoleMap(config.OIDC_ROLE_MAP);
  } catch (err) {
    return (err as Error).message;
  }
  if (config.OIDC_REDIRECT_URL !== '') {
    try {
      const redirect = new URL(config.OIDC_REDIRECT_URL);
      if (!redirect.pathname.endsWith('/console/sso/callback')) return 'OIDC_REDIRECT_URL must be the console callback, <console origin>/console/sso/callback';
    } catch {
      return 'OIDC_REDIRECT_URL must be a URL (<console origin>/console/sso/callback)';
    }
    if (config.OIDC_CLIENT_SECRET === '') return 'OIDC_CLIENT_SECRET is required for console sign-in (OIDC_REDIRECT_URL is set)';
  }
  if (!/(^|\s)openid(\s|$)/.test(config.OIDC_SCOPES)) return 'OIDC_SCOPES must include openid';
  if (parseDuration(config.OIDC_SESSION_TTL) === undefined) return 'OIDC_SESSION_TTL must be a duration like 8h, 90m or 1d';
  if (config.OIDC_MFA_AMR.split(',').every((v) => v.trim() === '') && config.OIDC_ACR_VALUES === '' && config.OIDC_REQUIRE_MFA) {
    return 'OIDC_REQUIRE_MFA needs OIDC_MFA_AMR or OIDC_ACR_VALUES to say what counts as MFA';
  }
  return undefined;
}

@ValidatorConstraint({ name: 'adminSso' })
class AdminSsoConstraint implements ValidatorConstraintInterface {
  validate(_: unknown, args: ValidationArguments): boolean {
    return ssoConfigProblem(args.object as AdminSsoConfig) === undefined;
  }
  defaultMessage(args: ValidationArguments): string {
    return ssoConfigProblem(args.object as AdminSsoConfig) ?? 'the OIDC_* settings are inconsistent';
  }
}

/**
 * Single sign-on of people to the admin API and the console (docs/SSO.md). Its own class, loaded
 * and validated when AdminSsoModule starts (like OktaHooksConfig); off while OIDC_ISSUER is empty.
 */
export class AdminSsoConfig {
  /** Issuer of the company's identity provider (`https://acme.okta.com` or an Okta authorization server). Empty: SSO is off. */
  @IsString()
  @Validate(AdminSsoConstraint)
  OIDC_ISSUER = '';

  /** Client id of the idsync app integration at the IdP; also the audience of ID tokens presented to the admin API. */
  @IsString()
  OIDC_CLIENT_ID = '';

  /** Client secret of that app integration (console sign-in: the code exchange). Never logged. */
  @IsString()
  OIDC_CLIENT_SECRET = '';

  /** The console's callback as registered at the IdP: `https://idsync.example.com/console/sso/callback`. Empty: no console SSO. */
  @IsString()
  OIDC_REDIRECT_URL = '';

  @IsString()
  OIDC_SCOPES = 'openid profile email groups';

  /** Claim of the ID token / access token that lists the person's groups. */
  @IsString()
  @Matches(/^[A-Za-z0-9_.:/-]+$/, { message: 'OIDC_ROLES_CLAIM must be a claim name' })
  OIDC_ROLES_CLAIM = 'groups';

  /** `group=role[:tenant-uuid],…`: `idsync-admins=admin,idsync-operators=operator,acme-admins=tenant-admin:<uuid>`. */
  @IsString()
  OIDC_ROLE_MAP = '';

  /** Refuse tokens that do not show a multi-factor sign-in (amr in OIDC_MFA_AMR, or acr in OIDC_ACR_VALUES). */
  @IsBoolean()
  OIDC_REQUIRE_MFA = true;

  /** `amr` values that count as multi-factor (RFC 8176). */
  @IsString()
  OIDC_MFA_AMR = 'mfa,otp,hwk,swk,sms,fpt,face,iris,kba,pop,sc,tel';

  /** Space-separated `acr` values requested at sign-in; a token carrying one of them also counts as MFA. */
  @IsString()
  OIDC_ACR_VALUES = '';

  /** Extra accepted `aud` of bearer tokens on the admin API (an Okta custom authorization server's audience, e.g. `api://idsync`). */
  @IsString()
  OIDC_API_AUDIENCE = '';

  /** How long a console session from SSO lasts (absolute, not extended by activity). */
  @IsString()
  OIDC_SESSION_TTL = '8h';

  get enabled(): boolean {
    return this.OIDC_ISSUER !== '';
  }

  get consoleEnabled(): boolean {
    return this.enabled && this.OIDC_REDIRECT_URL !== '';
  }
}
