import type { ScimPrincipal } from '../../tenants/scim-token.service';

/** POST /Bulk: the raw BulkRequest body of one tenant-scoped caller. */
export class ProcessBulkCommand {
  constructor(
    readonly principal: ScimPrincipal,
    readonly baseUrl: string,
    readonly body: unknown,
  ) {}
}
