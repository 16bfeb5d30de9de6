import type { ScimResourceTypeId } from '@idsync/identity';

export class GetResourceQuery {
  constructor(
    readonly tenantId: string,
    readonly resourceType: ScimResourceTypeId,
    readonly id: string,
  ) {}
}
