import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { TenantScopeQueryDto } from './tenant-scope.query.dto';

export class RecoverQueryDto extends TenantScopeQueryDto {
  /** Failed deliveries of events received at or after this time are replayed. */
  @IsISO8601({ strict: true })
  since!: string;
}

export class ListDeliveriesQueryDto extends TenantScopeQueryDto {
  @IsOptional()
  @IsUUID()
  subscriptionId?: string;

  @IsOptional()
  @IsIn(['pending', 'delivered', 'failed'])
  status?: 'pending' | 'delivered' | 'failed';

  @IsOptional()
  @IsString()
  @MaxLength(200)
  eventType?: string;

  /** Events received at or after this time. */
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  /** Events received before this time. */
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}
