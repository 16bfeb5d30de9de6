import type { ScimResourceTypeId } from '@idsync/identity';
import type { ScimPrincipal } from '../../tenants/scim-token.service';

/** Every SCIM write carries its tenant-scoped caller and the base URL used for locations. */
export abstract class ScimWriteCommand {
  constructor(
    readonly principal: ScimPrincipal,
    readonly resourceType: ScimResourceTypeId,
    readonly baseUrl: string,
  ) {}
}
