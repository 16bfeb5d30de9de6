import { Injectable, NotFoundException } from '@nestjs/common';
import { TenantService, type Tenant } from '../tenants/tenant.service';

/** The admin paths' `{tenant}` (name or id) → the tenant, or 404. */
@Injectable()
export class OktaTenantResolver {
  constructor(private readonly tenants: TenantService) {}

  async resolve(ref: string): Promise<Tenant> {
    const tenant = await this.tenants.findByNameOrId(ref);
    if (!tenant) throw new NotFoundException(`No tenant "${ref}"`);
    return tenant;
  }
}
