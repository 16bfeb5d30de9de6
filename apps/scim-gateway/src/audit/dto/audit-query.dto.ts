import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

/** Filters shared by the query and the export. */
export class AuditExportQueryDto {
  @ApiPropertyOptional({ description: 'Tenant name or id' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  tenant?: string;

  /** Records at or after this time. */
  @ApiPropertyOptional({ format: 'date-time', description: 'Records at or after this time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  /** Records before this time. */
  @ApiPropertyOptional({ format: 'date-time', description: 'Records before this time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}

export class AuditQueryDto extends AuditExportQueryDto {
  @ApiPropertyOptional({ description: 'Actor id (a SCIM token id, admin-api-token, webhook-delivery, …)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  actor?: string;

  @ApiPropertyOptional({ description: 'Target (resource) id' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  target?: string;

  @ApiPropertyOptional({ description: 'An action (user.patch) or a prefix ending in .* (user.*)', example: 'user.*' })
  @IsOptional()
  @Matches(/^[a-z0-9_-]+(\.[a-z0-9_-]+)*(\.\*)?$/i, { message: 'action must look like user.patch or user.*' })
  @MaxLength(100)
  action?: string;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}
