import type { ScimResourceTypeId } from '@idsync/identity';
import type { ScimPrincipal } from '../../../tenants/scim-token.service';
import { ScimWriteCommand } from '../scim-write.command';

export class PatchResourceCommand extends ScimWriteCommand {
  constructor(
    principal: ScimPrincipal,
    resourceType: ScimResourceTypeId,
    baseUrl: string,
    readonly id: string,
    readonly body: unknown,
    readonly ifMatch?: string,
  ) {
    super(principal, resourceType, baseUrl);
  }
}
