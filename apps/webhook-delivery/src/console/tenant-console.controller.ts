import { Controller, Get, Header, type MessageEvent, Param, ParseUUIDPipe, Post, Query, Redirect, Sse, UseFilters, UseGuards, UsePipes, ValidationPipe } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Observable } from 'rxjs';
import { ReplayDeliveryCommand } from '../delivery/commands/replay-delivery.command';
import type { Delivery } from '../delivery/delivery.repository';
import type { DeliveryWithAttempts } from '../delivery/queries/get-delivery.handler';
import { GetDeliveryQuery } from '../delivery/queries/get-delivery.query';
import { ListDeliveriesQuery } from '../delivery/queries/list-deliveries.query';
import { ListSubscriptionsQuery } from '../subscriptions/queries/list-subscriptions.query';
import type { Subscription } from '../subscriptions/subscription.repository';
import { ConsoleExceptionFilter } from './console-exception.filter';
import { DeliveryLogQueryDto, DeliveryPageQueryDto, utcDateTime } from './dto/console-query.dto';
import type { TenantRef } from './html/layout';
import { chartsPage, deliveriesPage, deliveryPage, streamPage, subscriptionsPage } from './html/tenant-pages';
import { LiveIdentityEventStream } from './live/live-identity-event-stream';
import type { MinuteFigures, SubscriptionActivity } from './queries/console-read-model';
import { GetDeliveryChartsQuery } from './queries/get-delivery-charts.query';
import { GetTenantNameQuery } from './queries/get-tenant-name.query';
import { ListSubscriptionActivityQuery } from './queries/list-subscription-activity.query';
import type { ConsoleSession } from './session/console-session';
import { ConsoleSessionGuard, CurrentConsoleSession, RequireConsoleRole } from './session/console-session.guard';

const HTML = 'text/html; charset=utf-8';
const DEFAULT_LOG_LIMIT = 100;

/** One tenant's pages: live events, subscriptions, delivery log and detail (with replay), charts. */
@ApiExcludeController()
@Controller('console/tenants/:tenantId')
@UseGuards(ConsoleSessionGuard)
@RequireConsoleRole('console:read')
@UseFilters(ConsoleExceptionFilter)
@UsePipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }))
export class TenantConsoleController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly liveStream: LiveIdentityEventStream,
  ) {}

  @Get()
  @Redirect()
  home(@Param('tenantId', new ParseUUIDPipe()) tenantId: string): { url: string; statusCode: number } {
    return { url: `/console/tenants/${tenantId}/deliveries`, statusCode: 303 };
  }

  @Get('stream')
  @Header('Content-Type', HTML)
  async stream(@CurrentConsoleSession() session: ConsoleSession, @Param('tenantId', new ParseUUIDPipe()) tenantId: string): Promise<string> {
    return streamPage(session, await this.tenant(tenantId));
  }

  /** Server-Sent Events of the live page. */
  @Sse('stream/events')
  streamEvents(@Param('tenantId', new ParseUUIDPipe()) tenantId: string): Observable<MessageEvent> {
    return this.liveStream.watch(tenantId);
  }

  @Get('subscriptions')
  @Header('Content-Type', HTML)
  async subscriptions(@CurrentConsoleSession() session: ConsoleSession, @Param('tenantId', new ParseUUIDPipe()) tenantId: string): Promise<string> {
    const [tenant, subscriptions, activity] = await Promise.all([
      this.tenant(tenantId),
      this.queries.execute<ListSubscriptionsQuery, Subscription[]>(new ListSubscriptionsQuery(tenantId)),
      this.queries.execute<ListSubscriptionActivityQuery, SubscriptionActivity[]>(new ListSubscriptionActivityQuery(tenantId)),
    ]);
    return subscriptionsPage(session, tenant, subscriptions, activity);
  }

  @Get('deliveries')
  @Header('Content-Type', HTML)
  async deliveries(@CurrentConsoleSession() session: ConsoleSession, @Param('tenantId', new ParseUUIDPipe()) tenantId: string, @Query() q: DeliveryLogQueryDto): Promise<string> {
    const limit = q.limit ?? DEFAULT_LOG_LIMIT;
    const [tenant, deliveries, subscriptions] = await Promise.all([
      this.tenant(tenantId),
      this.queries.execute<ListDeliveriesQuery, Delivery[]>(
        new ListDeliveriesQuery(tenantId, { subscriptionId: q.subscriptionId, status: q.status, eventType: q.eventType, since: utcDateTime(q.since), until: utcDateTime(q.until), limit }),
      ),
      this.queries.execute<ListSubscriptionsQuery, Subscription[]>(new ListSubscriptionsQuery(tenantId)),
    ]);
    return deliveriesPage(session, tenant, q, deliveries, subscriptions, limit);
  }

  @Get('deliveries/:deliveryId')
  @Header('Content-Type', HTML)
  async delivery(
    @CurrentConsoleSession() session: ConsoleSession,
    @Param('tenantId', new ParseUUIDPipe()) tenantId: string,
    @Param('deliveryId', new ParseUUIDPipe()) deliveryId: string,
    @Query() q: DeliveryPageQueryDto,
  ): Promise<string> {
    const [tenant, delivery, subscriptions] = await Promise.all([
      this.tenant(tenantId),
      this.queries.execute<GetDeliveryQuery, DeliveryWithAttempts>(new GetDeliveryQuery(tenantId, deliveryId)),
      this.queries.execute<ListSubscriptionsQuery, Subscription[]>(new ListSubscriptionsQuery(tenantId)),
    ]);
    const flash = q.replayed ? 'Replay queued: the delivery is pending again and will be attempted now.' : undefined;
    return deliveryPage(session, tenant, delivery, subscriptions.find((s) => s.id === delivery.subscriptionId), flash);
  }

  /** The Replay button (POST + CSRF token): ReplayDeliveryCommand, then back to the delivery (303). */
  @Post('deliveries/:deliveryId/replay')
  @RequireConsoleRole('console:operate')
  @Redirect()
  async replay(@Param('tenantId', new ParseUUIDPipe()) tenantId: string, @Param('deliveryId', new ParseUUIDPipe()) deliveryId: string): Promise<{ url: string; statusCode: number }> {
    await this.commands.execute<ReplayDeliveryCommand, Delivery>(new ReplayDeliveryCommand(tenantId, deliveryId));
    return { url: `/console/tenants/${tenantId}/deliveries/${deliveryId}?replayed=1`, statusCode: 303 };
  }

  @Get('charts')
  @Header('Content-Type', HTML)
  async charts(@CurrentConsoleSession() session: ConsoleSession, @Param('tenantId', new ParseUUIDPipe()) tenantId: string): Promise<string> {
    const [tenant, minutes] = await Promise.all([this.tenant(tenantId), this.queries.execute<GetDeliveryChartsQuery, MinuteFigures[]>(new GetDeliveryChartsQuery(tenantId))]);
    return chartsPage(session, tenant, minutes);
  }

  private async tenant(tenantId: string): Promise<TenantRef> {
    return { id: tenantId, name: await this.queries.execute<GetTenantNameQuery, string | null>(new GetTenantNameQuery(tenantId)) };
  }
}
