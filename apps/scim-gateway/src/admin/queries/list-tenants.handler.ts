import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { TenantService, type Tenant } from '../../tenants/tenant.service';
import { ListTenantsQuery } from './list-tenants.query';

@QueryHandler(ListTenantsQuery)
export class ListTenantsHandler implements IQueryHandler<ListTenantsQuery, Tenant[]> {
  constructor(private readonly tenants: TenantService) {}

  execute(): Promise<Tenant[]> {
    return this.tenants.list();
  }
}
