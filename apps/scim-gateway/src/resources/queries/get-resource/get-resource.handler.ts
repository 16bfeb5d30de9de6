import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ScimError } from '@idsync/identity';
import { ScimResourceStore, type StoredResource } from '../../store/scim-resource.store';
import { GetResourceQuery } from './get-resource.query';

/** GET by id, scoped to the caller's tenant: another tenant's id is a 404, never a 403. */
@QueryHandler(GetResourceQuery)
export class GetResourceHandler implements IQueryHandler<GetResourceQuery, StoredResource> {
  constructor(private readonly store: ScimResourceStore) {}

  async execute(q: GetResourceQuery): Promise<StoredResource> {
    const found = await this.store.find(q.tenantId, q.resourceType, q.id, { withMemberships: q.resourceType === 'User' });
    if (!found) throw ScimError.notFound(`${q.resourceType} ${q.id} not found`);
    return found;
  }
}
