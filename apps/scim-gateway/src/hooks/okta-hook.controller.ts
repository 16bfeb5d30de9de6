import {
  BadRequestException,
  Controller,
  Get,
  Headers,
  HttpCode,
  HttpException,
  HttpStatus,
  Logger,
  Param,
  PayloadTooLargeException,
  Post,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { parseOktaEventHookDelivery } from '@idsync/contracts';
import { markAuthenticated, rateLimitedRequests } from '@idsync/platform';
import { ReceiveOktaEventsCommand, type ReceivedOktaEvents } from './commands/receive-okta-events/receive-okta-events.command';
import { OktaHookAuthenticator } from './okta-hook.authenticator';
import { oktaHookEvents, oktaHookRequestsRefused } from './okta-hook.metrics';
import { OktaHookRateLimiter } from './okta-hook.rate-limiter';
import { OktaHooksConfig } from './okta-hooks.config';

export const OKTA_HOOK_ROUTE = 'hooks/okta';

/**
 * Okta Event Hook endpoint of one tenant (docs/OKTA.md). Both methods require the tenant's
 * configured auth header (Okta sends it on the verification request too). POST answers 200 as
 * soon as the delivery is durably in the outbox — well inside Okta's 3-second limit — and the
 * worker does the rest asynchronously. Bodies are not logged (they name people).
 */
@ApiTags('Okta Event Hooks')
@ApiResponse({ status: 401, description: "Missing or wrong Event Hook secret (or no hook configured for the tenant)" })
@Controller(OKTA_HOOK_ROUTE)
export class OktaHookController {
  private readonly logger = new Logger(OktaHookController.name);

  constructor(
    private readonly commands: CommandBus,
    private readonly authenticator: OktaHookAuthenticator,
    private readonly rateLimiter: OktaHookRateLimiter,
    private readonly config: OktaHooksConfig,
  ) {}

  /** One-time verification: echo `x-okta-verification-challenge` as `{"verification": "…"}`. */
  @Get(':tenant')
  @ApiOperation({ summary: "Okta's one-time verification: echoes x-okta-verification-challenge", description: '`tenant` is the tenant id or name. Requires the configured auth header.' })
  @ApiHeader({ name: 'x-okta-verification-challenge', required: true })
  async verify(@Param('tenant') tenant: string, @Req() req: Request, @Headers('x-okta-verification-challenge') challenge?: string): Promise<{ verification: string }> {
    await this.authenticated(tenant, req);
    if (!challenge || challenge.length > 1024) throw new BadRequestException('x-okta-verification-challenge header is required');
    return { verification: challenge };
  }

  @Post(':tenant')
  @HttpCode(200)
  @ApiOperation({ summary: 'An Okta Event Hook delivery (com.okta.event_hook); stored durably, processed asynchronously', description: 'docs/OKTA.md. Okta retries of an accepted event uuid are accepted and ignored.' })
  @ApiResponse({ status: 200, description: '{"accepted": n, "duplicates": m}' })
  @ApiResponse({ status: 400, description: 'Not an Event Hook delivery' })
  @ApiResponse({ status: 413, description: 'Body above OKTA_HOOK_MAX_PAYLOAD_BYTES' })
  @ApiResponse({ status: 429, description: 'Per-tenant rate limit; Retry-After says when to retry' })
  async receive(@Param('tenant') tenant: string, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<ReceivedOktaEvents> {
    const tenantId = await this.authenticated(tenant, req);
    const decision = this.rateLimiter.take(tenantId);
    if (!decision.allowed) {
      oktaHookRequestsRefused.inc({ reason: 'rate_limited' });
      rateLimitedRequests.inc({ limit: 'okta-hook-tenant' });
      res.setHeader('Retry-After', String(decision.retryAfterSeconds));
      throw new HttpException({ statusCode: 429, message: 'Too many Event Hook deliveries for this tenant; retry later' }, HttpStatus.TOO_MANY_REQUESTS);
    }
    this.checkSize(req);
    if (!req.is('application/json')) {
      oktaHookRequestsRefused.inc({ reason: 'invalid' });
      throw new HttpException({ statusCode: 415, message: 'Event Hook deliveries must be application/json' }, HttpStatus.UNSUPPORTED_MEDIA_TYPE);
    }
    const parsed = parseOktaEventHookDelivery(req.body);
    if (!parsed.ok) {
      oktaHookRequestsRefused.inc({ reason: 'invalid' });
      throw new BadRequestException(`Not an Okta Event Hook delivery: ${parsed.error}`);
    }
    const result = await this.commands.execute<ReceiveOktaEventsCommand, ReceivedOktaEvents>(new ReceiveOktaEventsCommand(tenantId, parsed.events));
    oktaHookEvents.inc({ outcome: 'accepted' }, result.accepted);
    oktaHookEvents.inc({ outcome: 'duplicate' }, result.duplicates);
    this.logger.log({ tenantId, accepted: result.accepted, duplicates: result.duplicates }, 'okta event hook delivery stored');
    return result;
  }

  private async authenticated(tenant: string, req: Request): Promise<string> {
    const tenantId = await this.authenticator.authenticate(tenant, req.headers);
    if (!tenantId) {
      oktaHookRequestsRefused.inc({ reason: 'unauthorized' });
      throw new UnauthorizedException('The Event Hook authentication header is missing or wrong');
    }
    markAuthenticated(req);
    return tenantId;
  }

  /**
   * The gateway's JSON parser has already read the body (up to SCIM_MAX_PAYLOAD_BYTES), so the
   * smaller hook limit is checked on the declared length and, for chunked bodies, on the parsed one.
   */
  private checkSize(req: Request): void {
    const limit = this.config.OKTA_HOOK_MAX_PAYLOAD_BYTES;
    const declared = Number(req.headers['content-length'] ?? NaN);
    const size = Number.isFinite(declared) ? declared : Buffer.byteLength(JSON.stringify(req.body ?? null), 'utf8');
    if (size > limit) {
      oktaHookRequestsRefused.inc({ reason: 'too_large' });
      throw new PayloadTooLargeException(`Event Hook delivery exceeds the ${limit}-byte limit`);
    }
  }
}
