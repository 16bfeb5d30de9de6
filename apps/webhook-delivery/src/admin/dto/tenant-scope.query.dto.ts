import { IsUUID } from 'class-validator';

/** Every admin route names the tenant it acts on; another tenant's ids answer 404. */
export class TenantScopeQueryDto {
  @IsUUID()
  tenantId!: string;
}
