import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { TenantScopeQueryDto } from './tenant-scope.query.dto';

export class RecoverQueryDto extends TenantScopeQueryDto {
  /** Failed deliveries of events received at or after this time are replayed. */
  @ApiProperty({ format: 'date-time', description: 'Failed deliveries of events received at or after this time are replayed' })
  @IsISO8601({ strict: true })
  since!: string;
}

export class ListDeliveriesQueryDto extends TenantScopeQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  subscriptionId?: string;

  @ApiPropertyOptional({ enum: ['pending', 'delivered', 'failed'] })
  @IsOptional()
  @IsIn(['pending', 'delivered', 'failed'])
  status?: 'pending' | 'delivered' | 'failed';

  @ApiPropertyOptional({ maxLength: 200, example: 'idsync.user.created' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  eventType?: string;

  /** Events received at or after this time. */
  @ApiPropertyOptional({ format: 'date-time', description: 'Events received at or after this time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  /** Events received before this time. */
  @ApiPropertyOptional({ format: 'date-time', description: 'Events received before this time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}
