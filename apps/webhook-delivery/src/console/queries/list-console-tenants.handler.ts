import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ConsoleReadModel, type TenantOverview } from './console-read-model';
import { ListConsoleTenantsQuery } from './list-console-tenants.query';

@QueryHandler(ListConsoleTenantsQuery)
export class ListConsoleTenantsHandler implements IQueryHandler<ListConsoleTenantsQuery, TenantOverview[]> {
  constructor(private readonly readModel: ConsoleReadModel) {}

  execute(): Promise<TenantOverview[]> {
    return this.readModel.tenants();
  }
}
