import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ConsoleReadModel } from './console-read-model';
import { GetTenantNameQuery } from './get-tenant-name.query';

@QueryHandler(GetTenantNameQuery)
export class GetTenantNameHandler implements IQueryHandler<GetTenantNameQuery, string | null> {
  constructor(private readonly readModel: ConsoleReadModel) {}

  execute({ tenantId }: GetTenantNameQuery): Promise<string | null> {
    return this.readModel.tenantName(tenantId);
  }
}
