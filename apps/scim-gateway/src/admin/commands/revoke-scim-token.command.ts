import { ADMIN_ACTOR_ID } from '../admin-paths';

export class RevokeScimTokenCommand {
  constructor(
    readonly tokenId: string,
    /** Audit actor: the admin principal acting (AdminPrincipal.actorId). */
    readonly actorId: string = ADMIN_ACTOR_ID,
    /** Set for a tenant-admin: only that tenant's tokens can be revoked (others: 404). */
    readonly tenantLimit: string | null = null,
  ) {}
}
