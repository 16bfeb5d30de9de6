import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsBoolean, IsInt, IsObject, IsOptional, IsString, IsUrl, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { EVENT_TYPE_PATTERN } from '../../domain/event-type-pattern';

const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };
const EVENT_TYPE_MESSAGE = 'each eventTypes entry must be an event type (idsync.user.created), a trailing wildcard (idsync.user.*) or *';

/** Fields a subscription has; shared by create (required where noted) and update (all optional). */
class SubscriptionFieldsDto {
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  /** Attempts in flight to this endpoint at once, across replicas. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  maxConcurrency?: number;

  /** At most this many attempts started per second to this endpoint (absent: unlimited; null on update: remove). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  rateLimitPerSecond?: number | null;

  /** Extra request headers (e.g. a receiver's own auth header); names idsync sets are refused. */
  @IsOptional()
  @IsObject()
  customHeaders?: Record<string, string>;

  /** SCIM filter on the event's resource, e.g. `groups[value eq "<group id>"]` (null on update: remove). */
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  resourceFilter?: string | null;

  /** `{ "<target field>": "<SCIM path>" }`: the resource is sent as exactly these fields (null on update: remove). */
  @IsOptional()
  @IsObject()
  attributeMapping?: Record<string, string> | null;

  /** Per resource, deliver in event order: a failing message holds back later ones about the same resource. */
  @IsOptional()
  @IsBoolean()
  orderedDelivery?: boolean;
}

export class CreateSubscriptionDto extends SubscriptionFieldsDto {
  @IsUUID()
  tenantId!: string;

  @IsString()
  @MaxLength(2000)
  @IsUrl(URL_OPTIONS)
  url!: string;

  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Matches(EVENT_TYPE_PATTERN, { each: true, message: EVENT_TYPE_MESSAGE })
  eventTypes!: string[];
}

export class UpdateSubscriptionDto extends SubscriptionFieldsDto {
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @IsUrl(URL_OPTIONS)
  url?: string;

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
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(30 * 86_400)
  gracePeriodSeconds?: number;
}
