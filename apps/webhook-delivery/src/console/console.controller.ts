import { Controller, Get, Header, Post, Query, Redirect, UseFilters, UseGuards, UsePipes, ValidationPipe } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiExcludeController } from '@nestjs/swagger';
import { VerifyAuditChainCommand } from './commands/verify-audit-chain.command';
import { ConsoleExceptionFilter } from './console-exception.filter';
import type { DeadLetterListing } from './dead-letters/dead-letter-reader';
import { DeadLettersQueryDto } from './dto/console-query.dto';
import { auditPage, deadLettersPage, tenantsPage } from './html/console-pages';
import type { TenantOverview } from './queries/console-read-model';
import type { AuditChainStatus } from './queries/get-audit-chain-status.handler';
import { GetAuditChainStatusQuery } from './queries/get-audit-chain-status.query';
import { ListConsoleTenantsQuery } from './queries/list-console-tenants.query';
import { ListDeadLettersQuery } from './queries/list-dead-letters.query';
import type { ConsoleSession } from './session/console-session';
import { ConsoleSessionGuard, CurrentConsoleSession, RequireConsoleRole } from './session/console-session.guard';

const HTML = 'text/html; charset=utf-8';
const DEFAULT_DEAD_LETTERS = 50;

/** The console's cross-tenant pages: tenants overview, dead letters, audit-chain status. */
@ApiExcludeController()
@Controller('console')
@UseGuards(ConsoleSessionGuard)
@RequireConsoleRole('console:read')
@UseFilters(ConsoleExceptionFilter)
@UsePipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }))
export class ConsoleController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @Header('Content-Type', HTML)
  async tenants(@CurrentConsoleSession() session: ConsoleSession): Promise<string> {
    return tenantsPage(session, await this.queries.execute<ListConsoleTenantsQuery, TenantOverview[]>(new ListConsoleTenantsQuery()));
  }

  @Get('dead-letters')
  @Header('Content-Type', HTML)
  async deadLetters(@CurrentConsoleSession() session: ConsoleSession, @Query() q: DeadLettersQueryDto): Promise<string> {
    const limit = q.limit ?? DEFAULT_DEAD_LETTERS;
    const listing = await this.queries.execute<ListDeadLettersQuery, DeadLetterListing>(new ListDeadLettersQuery(limit, q.tenantId?.toLowerCase()));
    return deadLettersPage(session, listing, limit, q.tenantId);
  }

  @Get('audit')
  @Header('Content-Type', HTML)
  async audit(@CurrentConsoleSession() session: ConsoleSession): Promise<string> {
    return auditPage(session, await this.queries.execute<GetAuditChainStatusQuery, AuditChainStatus>(new GetAuditChainStatusQuery()));
  }

  /** The Verify button (POST + CSRF token): starts a verification in the background, back to the page (303). */
  @Post('audit/verify')
  @RequireConsoleRole('console:operate')
  @Redirect()
  async verifyAudit(): Promise<{ url: string; statusCode: number }> {
    await this.commands.execute(new VerifyAuditChainCommand());
    return { url: '/console/audit', statusCode: 303 };
  }
}
