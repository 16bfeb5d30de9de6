import { ConflictException } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { AuditWriter } from '@idsync/audit';
import { TenantNameTakenError, TenantService, type Tenant } from '../../tenants/tenant.service';
import { CreateTenantCommand } from './create-tenant.command';

/** POST /admin/tenants. */
@CommandHandler(CreateTenantCommand)
export class CreateTenantHandler implements ICommandHandler<CreateTenantCommand, Tenant> {
  constructor(
    private readonly tenants: TenantService,
    private readonly db: DataSource,
  ) {}

  async execute(cmd: CreateTenantCommand): Promise<Tenant> {
    try {
      // The tenant and its audit record commit together (the audit record last: it takes the chain lock).
      return await this.db.transaction(async (tx) => {
        const tenant = await this.tenants.create(cmd.name, tx);
        await AuditWriter.record(tx, {
          tenantId: tenant.id,
          actorType: 'admin',
          actorId: cmd.actorId,
          action: 'tenant.create',
          resourceType: 'Tenant',
          resourceId: tenant.id,
          changes: [{ path: 'name', after: tenant.name }],
        });
        return tenant;
      });
    } catch (err) {
      if (err instanceof TenantNameTakenError) throw new ConflictException(err.message);
      throw err;
    }
  }
}
