import { ADMIN_ACTOR_ID } from '../admin-paths';

export class CreateTenantCommand {
  constructor(
    readonly name: string,
    /** Audit actor: the admin principal acting (AdminPrincipal.actorId). */
    readonly actorId: string = ADMIN_ACTOR_ID,
  ) {}
}
