import type { ScimResourceTypeId } from '@idsync/identity';
import type { ScimPrincipal } from '../../../tenants/scim-token.service';
import { ScimWriteCommand } from '../scim-write.command';

export class CreateResourceCommand extends ScimWriteCommand {
  constructor(principal: ScimPrincipal, resourceType: ScimResourceTypeId, baseUrl: string, readonly body: unknown) {
    super(principal, resourceType, baseUrl);
  }
}
