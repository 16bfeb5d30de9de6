import { ApiProperty } from '@nestjs/swagger';

// Response shapes of the admin API, for the OpenAPI document (the handlers return the repositories' types).

const nullableString = (description?: string, format?: string) => ({ type: 'string', nullable: true, ...(format ? { format } : {}), ...(description ? { description } : {}) }) as const;

export class SubscriptionResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  tenantId!: string;

  @ApiProperty({ example: 'https://hr.example.com/hooks/idsync' })
  url!: string;

  @ApiProperty({ type: [String], example: ['idsync.user.*', 'idsync.group.member.added'] })
  eventTypes!: string[];

  @ApiProperty(nullableString())
  description!: string | null;

  @ApiProperty()
  enabled!: boolean;

  @ApiProperty(nullableString('Why webhook-delivery disabled it (gone: the endpoint answered 410; failing: every attempt failed for WEBHOOK_AUTO_DISABLE_AFTER_MS)'))
  disabledReason!: string | null;

  @ApiProperty({ minimum: 1, maximum: 100 })
  maxConcurrency!: number;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Attempts started per second at most (null: unlimited)' })
  rateLimitPerSecond!: number | null;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: 'Header names; values are write-only (encrypted at rest) and shown as ********' })
  customHeaders!: Record<string, string>;

  @ApiProperty()
  orderedDelivery!: boolean;

  @ApiProperty(nullableString('SCIM filter on the event resource (null: every resource)'))
  resourceFilter!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, nullable: true, description: 'Target field → SCIM path (null: the full resource)' })
  attributeMapping!: Record<string, string> | null;

  @ApiProperty(nullableString('Since when every attempt has failed', 'date-time'))
  failingSince!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

export class CreatedSubscriptionResponse extends SubscriptionResponse {
  @ApiProperty({ description: 'The Standard Webhooks signing secret (whsec_…). Shown once: it is stored encrypted.', example: 'whsec_…' })
  secret!: string;
}

export class RotatedSecretResponse {
  @ApiProperty({ format: 'uuid' })
  subscriptionId!: string;

  @ApiProperty({ description: 'The new signing secret, shown once', example: 'whsec_…' })
  secret!: string;

  @ApiProperty({ format: 'date-time', description: 'Until then webhooks carry a signature with the previous secret as well' })
  previousSecretExpiresAt!: string;
}

export class RecoverResultResponse {
  @ApiProperty({ format: 'uuid' })
  subscriptionId!: string;

  @ApiProperty({ format: 'date-time' })
  since!: string;

  @ApiProperty({ description: 'Failed deliveries requeued' })
  requeued!: number;

  @ApiProperty({ type: [String], format: 'uuid' })
  deliveryIds!: string[];
}

export class DeliveryResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  tenantId!: string;

  @ApiProperty({ format: 'uuid' })
  subscriptionId!: string;

  @ApiProperty({ description: 'CloudEvent id (also the webhook-id header)' })
  eventId!: string;

  @ApiProperty({ example: 'idsync.user.deactivated' })
  eventType!: string;

  @ApiProperty({ enum: ['pending', 'delivered', 'failed'] })
  status!: string;

  @ApiProperty()
  attemptCount!: number;

  @ApiProperty(nullableString('When the next attempt is due (pending only)', 'date-time'))
  nextAttemptAt!: string | null;

  @ApiProperty({ type: 'integer', nullable: true })
  lastStatusCode!: number | null;

  @ApiProperty(nullableString())
  lastError!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty(nullableString(undefined, 'date-time'))
  completedAt!: string | null;
}

export class DeliveryAttemptResponse {
  @ApiProperty()
  attemptNumber!: number;

  @ApiProperty({ format: 'date-time' })
  startedAt!: string;

  @ApiProperty()
  durationMs!: number;

  @ApiProperty({ type: 'integer', nullable: true })
  statusCode!: number | null;

  @ApiProperty(nullableString('Connection error or timeout'))
  error!: string | null;

  @ApiProperty(nullableString('The first 1024 characters of the response body'))
  responseBody!: string | null;
}

export class DeliveryWithAttemptsResponse extends DeliveryResponse {
  @ApiProperty({ type: [DeliveryAttemptResponse] })
  attempts!: DeliveryAttemptResponse[];
}

export class ResyncResultResponse {
  @ApiProperty({ format: 'uuid' })
  subscriptionId!: string;

  @ApiProperty({ description: 'Current resources of the tenant whose snapshot type the subscription asks for' })
  resources!: number;

  @ApiProperty({ description: 'Excluded by the subscription\'s resource filter' })
  filteredOut!: number;

  @ApiProperty({ description: 'Snapshot deliveries queued by this call' })
  enqueued!: number;

  @ApiProperty({ description: 'Queued by an earlier re-sync of the same versions: skipped, not duplicated' })
  alreadyQueued!: number;

  @ApiProperty({ description: 'Insert batches written' })
  batches!: number;
}
