/** Route prefix of the operator API. Not under /scim, so the global filter renders its errors as plain JSON. */
export const ADMIN_ROUTE_PREFIX = 'admin';

/** Who admin audit records name: the admin API has one shared credential, not per-person accounts. */
export const ADMIN_ACTOR_ID = 'admin-api-token';
