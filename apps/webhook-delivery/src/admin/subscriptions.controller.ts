import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, UseFilters, UseGuards, UseInterceptors, UsePipes, ValidationPipe } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiAcceptedResponse, ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { WebhookConfig } from '../config/webhook.config';
import { RecoverSubscriptionCommand } from '../delivery/commands/recover-subscription.command';
import type { RecoverResult } from '../delivery/commands/recover-subscription.handler';
import { CreateSubscriptionCommand } from '../subscriptions/commands/create-subscription.command';
import type { CreatedSubscription } from '../subscriptions/commands/create-subscription.handler';
import { DeleteSubscriptionCommand } from '../subscriptions/commands/delete-subscription.command';
import { ResyncSubscriptionCommand } from '../subscriptions/commands/resync-subscription.command';
import type { ResyncResult } from '../subscriptions/commands/resync-subscription.handler';
import { RotateSecretCommand } from '../subscriptions/commands/rotate-secret.command';
import type { RotatedSecret } from '../subscriptions/commands/rotate-secret.handler';
import { UpdateSubscriptionCommand } from '../subscriptions/commands/update-subscription.command';
import { GetSubscriptionQuery } from '../subscriptions/queries/get-subscription.query';
import { ListSubscriptionsQuery } from '../subscriptions/queries/list-subscriptions.query';
import type { Subscription } from '../subscriptions/subscription.repository';
import { AdminApiGuard, AdminAuditInterceptor, AdminScope, HttpErrorBody, OPENAPI_ADMIN_AUTH } from '@idsync/platform';
import { CreatedSubscriptionResponse, RecoverResultResponse, ResyncResultResponse, RotatedSecretResponse, SubscriptionResponse } from './dto/admin-responses.dto';
import { RecoverQueryDto } from './dto/delivery.query.dto';
import { CreateSubscriptionDto, RotateSecretDto, UpdateSubscriptionDto } from './dto/subscription.dto';
import { AdminExceptionFilter } from './admin-exception.filter';
import { TenantScopeQueryDto } from './dto/tenant-scope.query.dto';

/** /admin/subscriptions: a tenant's webhook endpoints. Plain JSON, behind admin tokens with roles (AdminApiGuard). */
@ApiTags('admin: subscriptions')
@ApiBearerAuth(OPENAPI_ADMIN_AUTH)
@ApiResponse({ status: 400, description: 'Invalid parameters or body (one message per field)', type: HttpErrorBody })
@ApiResponse({ status: 401, description: 'Missing, wrong, expired or revoked admin token', type: HttpErrorBody })
@ApiResponse({ status: 403, description: "The token's roles do not hold the route's scope (docs/SECURITY.md)", type: HttpErrorBody })
@ApiResponse({ status: 404, description: "Not found (or another tenant's)", type: HttpErrorBody })
@Controller('admin/subscriptions')
@UseGuards(AdminApiGuard)
@UseFilters(AdminExceptionFilter)
@UseInterceptors(AdminAuditInterceptor)
@UsePipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }))
export class SubscriptionsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly config: WebhookConfig,
  ) {}

  /** 201 with the signing secret: the only time it is shown. */
  @Post()
  @AdminScope('subscriptions:write')
  @ApiOperation({ summary: 'Create a webhook subscription', description: 'The signing secret is in this response only. Needs ENCRYPTION_KEYS; https endpoints only unless WEBHOOK_ALLOW_HTTP.' })
  @ApiCreatedResponse({ type: CreatedSubscriptionResponse })
  create(@Body() dto: CreateSubscriptionDto): Promise<CreatedSubscription> {
    return this.commands.execute<CreateSubscriptionCommand, CreatedSubscription>(
      new CreateSubscriptionCommand(dto.tenantId, {
        url: dto.url,
        eventTypes: dto.eventTypes,
        description: dto.description ?? null,
        enabled: dto.enabled ?? true,
        maxConcurrency: dto.maxConcurrency ?? 5,
        rateLimitPerSecond: dto.rateLimitPerSecond ?? null,
        customHeaders: dto.customHeaders ?? {},
        orderedDelivery: dto.orderedDelivery ?? false,
        resourceFilter: dto.resourceFilter ?? null,
        attributeMapping: dto.attributeMapping ?? null,
      }),
    );
  }

  @Get()
  @AdminScope('subscriptions:read')
  @ApiOperation({ summary: "List a tenant's subscriptions" })
  @ApiOkResponse({ type: [SubscriptionResponse] })
  list(@Query() scope: TenantScopeQueryDto): Promise<Subscription[]> {
    return this.queries.execute<ListSubscriptionsQuery, Subscription[]>(new ListSubscriptionsQuery(scope.tenantId));
  }

  @Get(':id')
  @AdminScope('subscriptions:read')
  @ApiOperation({ summary: 'A subscription' })
  @ApiOkResponse({ type: SubscriptionResponse })
  get(@Param('id', new ParseUUIDPipe()) id: string, @Query() scope: TenantScopeQueryDto): Promise<Subscription> {
    return this.queries.execute<GetSubscriptionQuery, Subscription>(new GetSubscriptionQuery(scope.tenantId, id));
  }

  @Patch(':id')
  @AdminScope('subscriptions:write')
  @ApiOperation({ summary: 'Change a subscription (only the fields given; null removes an optional setting)' })
  @ApiOkResponse({ type: SubscriptionResponse })
  update(@Param('id', new ParseUUIDPipe()) id: string, @Query() scope: TenantScopeQueryDto, @Body() dto: UpdateSubscriptionDto): Promise<Subscription> {
    return this.commands.execute<UpdateSubscriptionCommand, Subscription>(new UpdateSubscriptionCommand(scope.tenantId, id, dto));
  }

  @Delete(':id')
  @AdminScope('subscriptions:write')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a subscription' })
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(@Param('id', new ParseUUIDPipe()) id: string, @Query() scope: TenantScopeQueryDto): Promise<void> {
    await this.commands.execute(new DeleteSubscriptionCommand(scope.tenantId, id));
  }

  /** 201 with the new secret (shown once); the old one keeps signing for the grace period. */
  @Post(':id/rotate-secret')
  @AdminScope('subscriptions:write')
  @ApiOperation({ summary: 'Rotate the signing secret; the previous one keeps signing for the grace period' })
  @ApiCreatedResponse({ type: RotatedSecretResponse })
  rotateSecret(@Param('id', new ParseUUIDPipe()) id: string, @Query() scope: TenantScopeQueryDto, @Body() dto: RotateSecretDto): Promise<RotatedSecret> {
    const grace = dto.gracePeriodSeconds ?? this.config.WEBHOOK_SECRET_ROTATION_GRACE_SECONDS;
    return this.commands.execute<RotateSecretCommand, RotatedSecret>(new RotateSecretCommand(scope.tenantId, id, grace));
  }

  /** Replays every failed delivery of this subscription for events received since `since`. */
  @Post(':id/recover')
  @AdminScope('deliveries:write')
  @HttpCode(202)
  @ApiOperation({ summary: 'Replay every failed delivery of events received since `since`' })
  @ApiAcceptedResponse({ type: RecoverResultResponse })
  recover(@Param('id', new ParseUUIDPipe()) id: string, @Query() query: RecoverQueryDto): Promise<RecoverResult> {
    return this.commands.execute<RecoverSubscriptionCommand, RecoverResult>(new RecoverSubscriptionCommand(query.tenantId, id, new Date(query.since)));
  }

  /** Onboarding a target system: the current state of every resource it selects, to this subscription only. */
  @Post(':id/resync')
  @AdminScope('deliveries:write')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Queue the current state of every matching resource for this subscription (idsync.user.snapshot / idsync.group.snapshot)',
    description: 'Reads the compacted current-state topics; webhook-ids derive from (subscription, resource, version), so repeating or resuming a re-sync duplicates nothing.',
  })
  @ApiAcceptedResponse({ type: ResyncResultResponse })
  resync(@Param('id', new ParseUUIDPipe()) id: string, @Query() query: TenantScopeQueryDto): Promise<ResyncResult> {
    return this.commands.execute<ResyncSubscriptionCommand, ResyncResult>(new ResyncSubscriptionCommand(query.tenantId, id));
  }
}
