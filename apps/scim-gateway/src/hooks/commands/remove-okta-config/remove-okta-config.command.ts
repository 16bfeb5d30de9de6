import { ADMIN_ACTOR_ID } from '../../../admin/admin-paths';
/** Remove a tenant's Event Hook configuration (deliveries then get 401) or its API access. */
export class RemoveOktaConfigCommand {
  constructor(
    readonly tenant: string,
    readonly part: 'hook' | 'api',
    /** Audit actor: the admin principal acting (AdminPrincipal.actorId). */
    readonly actorId: string = ADMIN_ACTOR_ID,
  ) {}
}
