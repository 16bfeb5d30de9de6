import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

/** Every admin route names the tenant it acts on; another tenant's ids answer 404. */
export class TenantScopeQueryDto {
  @ApiProperty({ format: 'uuid', description: 'The tenant the request acts on' })
  @IsUUID()
  tenantId!: string;
}
