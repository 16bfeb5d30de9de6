import type { HeldRole } from '../admin-principal';
import { isAdminRole, type AdminRole } from '../admin-roles';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface RoleMapping {
  group: string;
  role: AdminRole;
  tenantId: string | null;
}

/**
 * OIDC_ROLE_MAP: `group=role[:tenant-uuid]`, comma-separated. A tenant-admin names its tenant by
 * id, not by name: names can be changed or reused, and a renamed tenant must not hand its admins
 * to whoever takes the old name. Throws with a message naming the bad entry.
 */
export function parseRoleMap(text: string): RoleMapping[] {
  const mappings: RoleMapping[] = [];
  for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
    const eq = entry.lastIndexOf('=');
    const group = eq > 0 ? entry.slice(0, eq).trim() : '';
    const [role, tenant, ...rest] = (eq > 0 ? entry.slice(eq + 1) : '').trim().split(':');
    if (!group || !isAdminRole(role) || rest.length > 0) throw new Error(`OIDC_ROLE_MAP entry "${entry}" must be group=role[:tenant-id] with role admin, operator, auditor or tenant-admin`);
    if (role === 'tenant-admin' && !(tenant && UUID.test(tenant))) throw new Error(`OIDC_ROLE_MAP entry "${entry}": tenant-admin needs its tenant id (group=tenant-admin:<uuid>)`);
    if (role !== 'tenant-admin' && tenant !== undefined) throw new Error(`OIDC_ROLE_MAP entry "${entry}": only tenant-admin is limited to a tenant`);
    mappings.push({ group, role, tenantId: role === 'tenant-admin' ? tenant.toLowerCase() : null });
  }
  if (mappings.length === 0) throw new Error('OIDC_ROLE_MAP maps no group to a role');
  return mappings;
}

/** The claim's group names: an array of strings, or one string (some IdPs send a single group as a string). */
export function groupsOf(claim: unknown): string[] {
  if (typeof claim === 'string') return [claim];
  if (Array.isArray(claim)) return claim.filter((g): g is string => typeof g === 'string');
  return [];
}

/** The roles a person's groups map to (exact, case-sensitive group names: Okta's are). */
export function rolesOfGroups(mappings: readonly RoleMapping[], groups: readonly string[]): HeldRole[] {
  const held = new Set(groups);
  return mappings.filter((m) => held.has(m.group)).map((m) => ({ role: m.role, tenantId: m.tenantId, source: `oidc-group:${m.group}` }));
}
