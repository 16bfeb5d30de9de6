import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  HttpException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  Optional,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { ADMIN_SCOPE_METADATA, decideScope, type AdminRequest } from './admin-principal';
import { AdminPrincipalResolver } from './admin-principal.resolver';
import { ROLE_SCOPES, type AdminScopeName } from './admin-roles';
import { ADMIN_SSO, type AdminSso } from './sso/admin-sso';

/** DI token of the configured (deprecated, break-glass) admin API token; each app provides it from its config. */
export const ADMIN_API_TOKEN = Symbol('ADMIN_API_TOKEN');

/** Provides ADMIN_API_TOKEN from an app's validated configuration class. */
export function adminApiTokenProvider<T extends { ADMIN_API_TOKEN: string }>(configClass: new () => T) {
  return { provide: ADMIN_API_TOKEN, inject: [configClass], useFactory: (config: T) => config.ADMIN_API_TOKEN };
}

/** Seconds a client is told to wait when credentials cannot be checked (database restarting). */
const LOOKUP_RETRY_AFTER_SECONDS = 5;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Every tenant a request names: route `:tenant`/`:tenantId`, query `tenantId`/`tenant`, body
 * `tenantId`/`tenant`. All of them are checked, so naming one's own tenant in the query cannot
 * smuggle another tenant in through the body. A repeated or non-string value counts as foreign.
 */
function requestedTenants(req: AdminRequest): unknown[] {
  const query = (req.query ?? {}) as Record<string, unknown>;
  const body = (req.body !== null && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
  const params = (req.params ?? {}) as Record<string, unknown>;
  return [params.tenant, params.tenantId, query.tenantId, query.tenant, body.tenantId, body.tenant].filter((value) => value !== undefined);
}

/**
 * Authorization of every /admin route (`Authorization: Bearer <token>`): an admin token from the
 * database (role, expiry, revocation, plus the subject's just-in-time grants), a person's JWT from
 * the company's identity provider (OIDC_ISSUER: groups → roles, plus their grants) or the deprecated
 * break-glass ADMIN_API_TOKEN (role `admin`). The route must declare its scope with @AdminScope —
 * routes without one are refused (fail closed). A `tenant-admin` may only name its own tenant;
 * any other tenant answers 404 (as if it did not exist), and routes naming no tenant 403.
 * The resolved principal is on the request for @CurrentAdmin (audit actors).
 */
@Injectable()
export class AdminApiGuard implements CanActivate {
  private readonly principals: AdminPrincipalResolver;
  private readonly logger = new Logger(AdminApiGuard.name);

  constructor(
    @Inject(ADMIN_API_TOKEN) token: string,
    @Optional() private readonly db?: DataSource,
    @Optional() private readonly reflector: Reflector = new Reflector(),
    @Optional() @Inject(ADMIN_SSO) sso?: AdminSso,
  ) {
    this.principals = new AdminPrincipalResolver(token, db, sso);
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    // Synchronous, as before: without any credential source the admin API does not exist.
    if (!this.principals.enabled) throw new NotFoundException('The admin API is disabled (no ADMIN_API_TOKEN and no database)');
    return this.authorize(context);
  }

  /**
   * A credential or tenant lookup that FAILED (database down, connection terminated) is not a bad
   * credential and not a bug: 503 + Retry-After, never a 401 (the caller would drop a good token)
   * nor a 500 with the driver's message.
   */
  private async authorize(context: ExecutionContext): Promise<boolean> {
    try {
      return await this.authorizeRequest(context);
    } catch (err: unknown) {
      if (err instanceof HttpException) throw err;
      this.logger.warn(`admin credential check failed, answered 503: ${err instanceof Error ? err.name : 'error'}`);
      context.switchToHttp().getResponse<{ setHeader(name: string, value: string): void }>().setHeader('Retry-After', String(LOOKUP_RETRY_AFTER_SECONDS));
      throw new ServiceUnavailableException('Admin credentials cannot be checked right now; retry after the number of seconds in Retry-After');
    }
  }

  private async authorizeRequest(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AdminRequest>();
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    const principal = presented === undefined ? undefined : await this.principals.resolve(presented);
    if (!principal) throw new UnauthorizedException('A valid admin API token is required');

    const scope = this.reflector.getAllAndOverride<AdminScopeName | undefined>(ADMIN_SCOPE_METADATA, [context.getHandler(), context.getClass()]);
    if (!scope) throw new ForbiddenException('This admin route declares no scope, so it is refused (fail closed)');
    const decision = decideScope(principal, scope, ROLE_SCOPES);
    if (!decision.allowed) throw new ForbiddenException(`This needs the ${scope} scope, which ${principal.subject}'s roles do not hold`);

    if (decision.tenantId !== null) {
      const named = requestedTenants(req);
      if (named.length === 0) throw new ForbiddenException('A tenant-admin may only call routes that name its tenant');
      for (const tenant of named) {
        if (typeof tenant !== 'string' || (await this.tenantIdOf(tenant)) !== decision.tenantId.toLowerCase()) throw new NotFoundException('Not found');
      }
    }
    req.adminPrincipal = principal;
    req.adminTenantLimit = decision.tenantId;
    return true;
  }

  /** A tenant id or name → its id (lower-case), or undefined. */
  private async tenantIdOf(idOrName: string): Promise<string | undefined> {
    if (UUID.test(idOrName)) return idOrName.toLowerCase();
    const rows = (await this.db?.query('SELECT id::text AS id FROM tenants WHERE lower(name) = lower($1)', [idOrName])) as Array<{ id: string }> | undefined;
    return rows?.[0]?.id;
  }
}
