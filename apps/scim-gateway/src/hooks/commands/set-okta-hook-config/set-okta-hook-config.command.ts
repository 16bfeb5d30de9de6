import { ADMIN_ACTOR_ID } from '../../../admin/admin-paths';
/** Configure (or replace) a tenant's Event Hook authentication: header name + secret, or a generated secret. */
export class SetOktaHookConfigCommand {
  constructor(
    readonly tenant: string,
    readonly headerName: string,
    /** undefined: generate one (returned once). */
    readonly secret: string | undefined,
    /** Audit actor: the admin principal acting (AdminPrincipal.actorId). */
    readonly actorId: string = ADMIN_ACTOR_ID,
  ) {}
}
