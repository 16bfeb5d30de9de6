import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsBoolean, IsInt, IsObject, IsOptional, IsString, IsUrl, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { EVENT_TYPE_PATTERN } from '../../domain/event-type-pattern';

const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };
const EVENT_TYPE_MESSAGE = 'each eventTypes entry must be an event type (idsync.user.created), a trailing wildcard (idsync.user.*) or *';

/** Fields a subscription has; shared by create (required where noted) and update (all optional). */
class SubscriptionFieldsDto {
  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  /** Attempts in flight to this endpoint at once, across replicas. */
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 5, description: 'Attempts in flight to this endpoint at once, across replicas' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  maxConcurrency?: number;

  /** At most this many attempts started per second to this endpoint (absent: unlimited; null on update: remove). */
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 10_000, nullable: true, description: 'Attempts started per second at most (absent: unlimited; null on update: remove)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  rateLimitPerSecond?: number | null;

  /** Extra request headers (e.g. a receiver's own auth header); names idsync sets are refused. */
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, description: "Extra request headers (e.g. a receiver's own auth header); names idsync sets are refused. Values are encrypted at rest; on update, ******** keeps a header's stored value" })
  @IsOptional()
  @IsObject()
  customHeaders?: Record<string, string>;

  /** SCIM filter on the event's resource, e.g. `groups[value eq "<group id>"]` (null on update: remove). */
  @ApiPropertyOptional({ type: 'string', maxLength: 2000, nullable: true, example: 'groups[value eq "2819c223-7f76-453a-919d-413861904646"]', description: 'SCIM filter on the event resource (null on update: remove)' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  resourceFilter?: string | null;

  /** `{ "<target field>": "<SCIM path>" }`: the resource is sent as exactly these fields (null on update: remove). */
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, nullable: true, example: { email: 'emails[primary eq true].value' }, description: 'Target field → SCIM path: the resource is sent as exactly these fields (null on update: remove)' })
  @IsOptional()
  @IsObject()
  attributeMapping?: Record<string, string> | null;

  /** Per resource, deliver in event order: a failing message holds back later ones about the same resource. */
  @ApiPropertyOptional({ default: false, description: 'Per resource, deliver in event order: a failing message holds back later ones about the same resource' })
  @IsOptional()
  @IsBoolean()
  orderedDelivery?: boolean;
}

export class CreateSubscriptionDto extends SubscriptionFieldsDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  tenantId!: string;

  @ApiProperty({ maxLength: 2000, example: 'https://hr.example.com/hooks/idsync' })
  @IsString()
  @MaxLength(2000)
  @IsUrl(URL_OPTIONS)
  url!: string;

  @ApiProperty({ type: [String], minItems: 1, maxItems: 50, example: ['idsync.user.*'], description: 'Event types (idsync.user.created), trailing wildcards (idsync.user.*) or *' })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Matches(EVENT_TYPE_PATTERN, { each: true, message: EVENT_TYPE_MESSAGE })
  eventTypes!: string[];
}

export class UpdateSubscriptionDto extends SubscriptionFieldsDto {
  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @IsUrl(URL_OPTIONS)
  url?: string;

  @ApiPropertyOptional({ type: [String], minItems: 1, maxItems: 50 })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Matches(EVENT_TYPE_PATTERN, { each: true, message: EVENT_TYPE_MESSAGE })
  eventTypes?: string[];
}

export class RotateSecretDto {
  /** How long the previous secret keeps signing (default WEBHOOK_SECRET_ROTATION_GRACE_SECONDS). */
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 30 * 86_400, description: 'How long the previous secret keeps signing (default WEBHOOK_SECRET_ROTATION_GRACE_SECONDS)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(30 * 86_400)
  gracePeriodSeconds?: number;
}
