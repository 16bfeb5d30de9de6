/**
 * Admin API roles and the scopes each one holds. A route declares one scope (@AdminScope); a
 * principal may call it when one of its roles holds that scope. `tenant-admin` holds its scopes
 * for one tenant only (AdminApiGuard checks the tenant the request names).
 */
export const ADMIN_ROLES = ['admin', 'operator', 'auditor', 'tenant-admin'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

export const ADMIN_SCOPES = [
  'tenants:read',
  'tenants:write',
  'scim-tokens:read',
  'scim-tokens:write',
  'okta:read',
  'okta:write',
  'audit:read',
  'subscriptions:read',
  'subscriptions:write',
  'deliveries:read',
  /** Replay, recover and resync: re-sending data, never configuring it. */
  'deliveries:write',
] as const;
export type AdminScopeName = (typeof ADMIN_SCOPES)[number];

const READ_NON_SECRET: AdminScopeName[] = ['tenants:read', 'scim-tokens:read', 'okta:read', 'audit:read', 'subscriptions:read', 'deliveries:read'];

export const ROLE_SCOPES: Readonly<Record<AdminRole, readonly AdminScopeName[]>> = {
  admin: ADMIN_SCOPES,
  operator: [...READ_NON_SECRET, 'subscriptions:write', 'deliveries:write'],
  auditor: ['audit:read', 'subscriptions:read', 'deliveries:read'],
  // Everything about its own tenant; creating tenants is not about one tenant.
  'tenant-admin': ADMIN_SCOPES.filter((scope) => scope !== 'tenants:write'),
};

export function isAdminRole(value: unknown): value is AdminRole {
  return typeof value === 'string' && (ADMIN_ROLES as readonly string[]).includes(value);
}

/** `90d`, `2h`, `30m` → milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,6})\s*(m|h|d)$/.exec(text.trim());
  if (!match) return undefined;
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'm' | 'h' | 'd'];
  const ms = Number(match[1]) * unit;
  return ms > 0 ? ms : undefined;
}
