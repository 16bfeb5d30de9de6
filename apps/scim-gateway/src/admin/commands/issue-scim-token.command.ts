import { ADMIN_ACTOR_ID } from '../admin-paths';

export class IssueScimTokenCommand {
  constructor(
    /** Tenant name or id. */
    readonly tenant: string,
    readonly description?: string,
    /** Audit actor: the admin principal acting (AdminPrincipal.actorId). */
    readonly actorId: string = ADMIN_ACTOR_ID,
  ) {}
}
