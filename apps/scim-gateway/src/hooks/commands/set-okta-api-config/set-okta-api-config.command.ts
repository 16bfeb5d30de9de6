import type { OktaApiConfigInput } from '../../okta-config.store';
import { ADMIN_ACTOR_ID } from '../../../admin/admin-paths';

/** Configure (or replace) the Okta Management API access the worker enriches events with. */
export class SetOktaApiConfigCommand {
  constructor(
    readonly tenant: string,
    readonly input: OktaApiConfigInput,
    /** Audit actor: the admin principal acting (AdminPrincipal.actorId). */
    readonly actorId: string = ADMIN_ACTOR_ID,
  ) {}
}
