import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigValidationError, loadConfig } from '../../config/config-loader';
import { AdminSso, looksLikeJwt } from './admin-sso';
import { AdminSsoConfig } from './admin-sso.config';
import { parseRoleMap, rolesOfGroups } from './role-map';

const TENANT = '0b7f9c3e-2a41-4c55-9d1e-5f7a8b9c0d1e';
const BASE = {
  OIDC_ISSUER: 'https://acme.okta.com',
  OIDC_CLIENT_ID: '0oa1example',
  OIDC_CLIENT_SECRET: 'secret',
  OIDC_REDIRECT_URL: 'https://idsync.example.com/console/sso/callback',
  OIDC_ROLE_MAP: `idsync-admins=admin,idsync-operators=operator,acme-admins=tenant-admin:${TENANT}`,
};

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(AdminSsoConfig, env);
    return '';
  } catch (err) {
    assert.ok(err instanceof ConfigValidationError);
    return err.message;
  }
}

describe('AdminSsoConfig', () => {
  it('is off without OIDC_ISSUER and valid with the documented settings', () => {
    assert.equal(loadConfig(AdminSsoConfig, {}).enabled, false);
    const config = loadConfig(AdminSsoConfig, BASE);
    assert.equal(config.enabled, true);
    assert.equal(config.consoleEnabled, true);
    assert.equal(config.OIDC_REQUIRE_MFA, true, 'MFA is required unless switched off');
  });

  it('names the setting that is wrong at start-up', () => {
    assert.match(problemsOf({ ...BASE, OIDC_ISSUER: 'http://acme.okta.com' }), /OIDC_ISSUER must be https/);
    assert.equal(problemsOf({ ...BASE, OIDC_ISSUER: 'http://127.0.0.1:9999' }), '', 'plain http only for a local provider');
    assert.match(problemsOf({ ...BASE, OIDC_CLIENT_ID: '' }), /OIDC_CLIENT_ID is required/);
    assert.match(problemsOf({ ...BASE, OIDC_ROLE_MAP: '' }), /OIDC_ROLE_MAP is required/);
    assert.match(problemsOf({ ...BASE, OIDC_ROLE_MAP: 'ops=superuser' }), /OIDC_ROLE_MAP entry "ops=superuser"/);
    assert.match(problemsOf({ ...BASE, OIDC_ROLE_MAP: 'acme=tenant-admin:acme' }), /needs its tenant id/);
    assert.match(problemsOf({ ...BASE, OIDC_REDIRECT_URL: 'https://idsync.example.com/elsewhere' }), /console\/sso\/callback/);
    assert.match(problemsOf({ ...BASE, OIDC_CLIENT_SECRET: '' }), /OIDC_CLIENT_SECRET is required/);
    assert.match(problemsOf({ ...BASE, OIDC_SCOPES: 'profile groups' }), /must include openid/);
    assert.match(problemsOf({ ...BASE, OIDC_SESSION_TTL: 'forever' }), /OIDC_SESSION_TTL/);
    assert.match(problemsOf({ ...BASE, OIDC_MFA_AMR: ' ' }), /OIDC_REQUIRE_MFA needs/);
    assert.equal(problemsOf({ ...BASE, OIDC_REDIRECT_URL: '', OIDC_CLIENT_SECRET: '' }), '', 'admin API only: no secret needed');
  });
});

describe('OIDC_ROLE_MAP', () => {
  it('maps exact group names to roles, a tenant-admin to its tenant', () => {
    const map = parseRoleMap(` idsync-admins = admin , Idsync Ops=operator,acme-admins=tenant-admin:${TENANT.toUpperCase()}`);
    assert.deepEqual(
      rolesOfGroups(map, ['Idsync Ops', 'acme-admins', 'IDSYNC-ADMINS']).map((r) => [r.role, r.tenantId]),
      [
        ['operator', null],
        ['tenant-admin', TENANT],
      ],
    );
    assert.throws(() => parseRoleMap('ops=operator:' + TENANT), /only tenant-admin/);
    assert.throws(() => parseRoleMap(' , '), /maps no group/);
  });
});

describe('AdminSso.decide', () => {
  const sso = new AdminSso(loadConfig(AdminSsoConfig, BASE));
  const claims = { iss: BASE.OIDC_ISSUER, sub: '00u1abc', groups: ['idsync-operators'], amr: ['pwd', 'mfa'], email: 'pat@example.com' };

  it('accepts an MFA sign-in with a mapped group, subject oidc:<iss>#<sub>', () => {
    const outcome = sso.decide(claims);
    assert.ok(outcome.ok);
    assert.equal(outcome.identity.subject, 'oidc:https://acme.okta.com#00u1abc');
    assert.equal(outcome.identity.displayName, 'pat@example.com');
    assert.deepEqual(outcome.identity.roles.map((r) => r.role), ['operator']);
  });

  it('refuses a sign-in without an MFA amr (or acr), and one with no mapped group', () => {
    const noMfa = sso.decide({ ...claims, amr: ['pwd'] });
    assert.equal(!noMfa.ok && noMfa.reason, 'mfa-required');
    assert.equal(!sso.decide({ ...claims, amr: 'mfa' }).ok, true, 'amr must be an array');
    const unmapped = sso.decide({ ...claims, groups: ['Everyone'] });
    assert.equal(!unmapped.ok && unmapped.reason, 'no-mapped-group');
    assert.equal(!sso.decide({ ...claims, sub: undefined }).ok, true);

    const acr = new AdminSso(loadConfig(AdminSsoConfig, { ...BASE, OIDC_ACR_VALUES: 'urn:okta:loa:2fa:any' }));
    assert.ok(acr.decide({ ...claims, amr: ['pwd'], acr: 'urn:okta:loa:2fa:any' }).ok, 'an MFA acr counts');
    const lax = new AdminSso(loadConfig(AdminSsoConfig, { ...BASE, OIDC_REQUIRE_MFA: 'false' }));
    assert.ok(lax.decide({ ...claims, amr: ['pwd'] }).ok, 'MFA enforced at the IdP only when switched off');
  });

  it('tells JWTs from admin tokens by shape', () => {
    assert.equal(looksLikeJwt('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'), true);
    assert.equal(looksLikeJwt('idsa_0123456789abcdef'), false);
  });
});
