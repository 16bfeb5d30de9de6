import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ForbiddenException, UnauthorizedException, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AdminApiGuard } from './admin-api.guard';
import { AdminScope, decideScope, type AdminPrincipal } from './admin-principal';
import { parseDuration, ROLE_SCOPES } from './admin-roles';

const BREAK_GLASS = 'guard-spec-break-glass-token';

class Routes {
  @AdminScope('tenants:read')
  declared(): void {}
  undeclared(): void {}
}

function contextFor(handler: keyof Routes, authorization?: string): ExecutionContext {
  const req = { headers: authorization ? { authorization } : {}, query: {}, params: {} };
  return { switchToHttp: () => ({ getRequest: () => req }), getHandler: () => Routes.prototype[handler], getClass: () => Routes } as unknown as ExecutionContext;
}

describe(AdminApiGuard.name, () => {
  const guard = new AdminApiGuard(BREAK_GLASS, undefined, new Reflector());

  it('lets the break-glass token through a declared route and puts the principal on the request', async () => {
    const ctx = contextFor('declared', `Bearer ${BREAK_GLASS}`);
    assert.equal(await guard.canActivate(ctx), true);
    const req = ctx.switchToHttp().getRequest<{ adminPrincipal?: AdminPrincipal }>();
    assert.equal(req.adminPrincipal?.actorId, 'admin-api-token');
  });

  it('refuses a route without a scope declaration even for admin (fail closed)', async () => {
    await assert.rejects(async () => guard.canActivate(contextFor('undeclared', `Bearer ${BREAK_GLASS}`)), ForbiddenException);
  });

  it('refuses missing and wrong tokens with 401', async () => {
    for (const authorization of [undefined, 'Bearer ', `Bearer ${BREAK_GLASS}x`, `Basic ${BREAK_GLASS}`]) {
      await assert.rejects(async () => guard.canActivate(contextFor('declared', authorization)), UnauthorizedException);
    }
  });
});

describe(decideScope.name, () => {
  const principal = (...roles: AdminPrincipal['roles']): AdminPrincipal => ({ subject: 's', actorId: 'a', tokenId: null, roles });

  it('gives each role its scopes, tenant-admin for its tenant only, and lets a global grant lift the limit', () => {
    assert.deepEqual(decideScope(principal({ role: 'auditor', tenantId: null, source: 'token' }), 'subscriptions:write', ROLE_SCOPES), { allowed: false });
    assert.deepEqual(decideScope(principal({ role: 'operator', tenantId: null, source: 'token' }), 'deliveries:write', ROLE_SCOPES), { allowed: true, tenantId: null });
    assert.deepEqual(decideScope(principal({ role: 'operator', tenantId: null, source: 'token' }), 'tenants:write', ROLE_SCOPES), { allowed: false });
    const tenantAdmin = { role: 'tenant-admin' as const, tenantId: 't1', source: 'token' };
    assert.deepEqual(decideScope(principal(tenantAdmin), 'scim-tokens:write', ROLE_SCOPES), { allowed: true, tenantId: 't1' });
    assert.deepEqual(decideScope(principal(tenantAdmin), 'tenants:write', ROLE_SCOPES), { allowed: false });
    assert.deepEqual(decideScope(principal(tenantAdmin, { role: 'operator', tenantId: null, source: 'grant:g' }), 'deliveries:write', ROLE_SCOPES), { allowed: true, tenantId: null });
    assert.deepEqual(decideScope(principal(tenantAdmin, { role: 'operator', tenantId: null, source: 'grant:g' }), 'okta:write', ROLE_SCOPES), { allowed: true, tenantId: 't1' });
  });

  it('parses bounded durations', () => {
    assert.equal(parseDuration('2h'), 7_200_000);
    assert.equal(parseDuration('90d'), 90 * 86_400_000);
    for (const bad of ['', '2', 'h', '-1h', '0m', '1w', '1.5h']) assert.equal(parseDuration(bad), undefined, bad);
  });
});
