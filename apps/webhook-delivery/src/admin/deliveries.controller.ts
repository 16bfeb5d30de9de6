import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, UseFilters, UseGuards, UseInterceptors, UsePipes, ValidationPipe } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ReplayDeliveryCommand } from '../delivery/commands/replay-delivery.command';
import type { Delivery } from '../delivery/delivery.repository';
import { GetDeliveryQuery } from '../delivery/queries/get-delivery.query';
import type { DeliveryWithAttempts } from '../delivery/queries/get-delivery.handler';
import { ListDeliveriesQuery } from '../delivery/queries/list-deliveries.query';
import { AdminApiGuard, AdminAuditInterceptor, AdminScope, HttpErrorBody, OPENAPI_ADMIN_AUTH } from '@idsync/platform';
import { DeliveryResponse, DeliveryWithAttemptsResponse } from './dto/admin-responses.dto';
import { ListDeliveriesQueryDto } from './dto/delivery.query.dto';
import { AdminExceptionFilter } from './admin-exception.filter';
import { TenantScopeQueryDto } from './dto/tenant-scope.query.dto';

/** /admin/deliveries: the delivery records, their attempt log, and replay. */
@ApiTags('admin: deliveries')
@ApiBearerAuth(OPENAPI_ADMIN_AUTH)
@ApiResponse({ status: 400, description: 'Invalid parameters or body (one message per field)', type: HttpErrorBody })
@ApiResponse({ status: 401, description: 'Missing, wrong, expired or revoked admin token', type: HttpErrorBody })
@ApiResponse({ status: 403, description: "The token's roles do not hold the route's scope (docs/SECURITY.md)", type: HttpErrorBody })
@ApiResponse({ status: 404, description: "Not found (or another tenant's)", type: HttpErrorBody })
@Controller('admin/deliveries')
@UseGuards(AdminApiGuard)
@UseFilters(AdminExceptionFilter)
@UseInterceptors(AdminAuditInterceptor)
@UsePipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }))
export class DeliveriesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @AdminScope('deliveries:read')
  @ApiOperation({ summary: "List a tenant's deliveries, with filters" })
  @ApiOkResponse({ type: [DeliveryResponse] })
  list(@Query() q: ListDeliveriesQueryDto): Promise<Delivery[]> {
    return this.queries.execute<ListDeliveriesQuery, Delivery[]>(
      new ListDeliveriesQuery(q.tenantId, {
        subscriptionId: q.subscriptionId,
        status: q.status,
        eventType: q.eventType,
        since: q.since ? new Date(q.since) : undefined,
        until: q.until ? new Date(q.until) : undefined,
        limit: q.limit ?? 100,
      }),
    );
  }

  /** The delivery with every attempt (time, duration, status code, error, truncated response body). */
  @Get(':id')
  @AdminScope('deliveries:read')
  @ApiOperation({ summary: 'A delivery with its attempt log' })
  @ApiOkResponse({ type: DeliveryWithAttemptsResponse })
  get(@Param('id', new ParseUUIDPipe()) id: string, @Query() scope: TenantScopeQueryDto): Promise<DeliveryWithAttempts> {
    return this.queries.execute<GetDeliveryQuery, DeliveryWithAttempts>(new GetDeliveryQuery(scope.tenantId, id));
  }

  /** 202: requeued for an attempt now, on a fresh schedule, with the same webhook-id. 409 while pending. */
  @Post(':id/replay')
  @AdminScope('deliveries:write')
  @HttpCode(202)
  @ApiOperation({ summary: 'Replay a delivery now, on a fresh retry schedule, with the same webhook-id' })
  @ApiAcceptedResponse({ type: DeliveryResponse })
  @ApiResponse({ status: 409, description: 'The delivery is still pending', type: HttpErrorBody })
  replay(@Param('id', new ParseUUIDPipe()) id: string, @Query() scope: TenantScopeQueryDto): Promise<Delivery> {
    return this.commands.execute<ReplayDeliveryCommand, Delivery>(new ReplayDeliveryCommand(scope.tenantId, id));
  }
}
