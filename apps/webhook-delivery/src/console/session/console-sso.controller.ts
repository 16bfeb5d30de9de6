import { Controller, Get, Logger, NotFoundException, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ConsoleExceptionFilter } from '../console-exception.filter';
import { ssoContinuePage, ssoRefusedPage } from '../html/console-pages';
import { isTls, readCookie, safeConsoleRedirect, SESSION_COOKIE, sessionCookie } from './console-cookies';
import { ConsoleSessionStore } from './console-session.store';
import { OidcConsoleSignIn } from './oidc-sign-in';

/** Cookie holding the id of a sign-in in flight at the identity provider (nothing else). */
const FLOW_COOKIE = 'idsync_console_sso';
const FLOW_PATH = '/console/sso';

/**
 * SameSite=Lax, not Strict: the identity provider's redirect back is a cross-site top-level
 * navigation, on which a Strict cookie would not be sent. It carries only the flow id, which is
 * useless without the state, nonce and PKCE verifier kept on the server.
 */
function flowCookie(req: Request, value: string, maxAgeSeconds: number): string {
  return [`${FLOW_COOKIE}=${value}`, `Path=${FLOW_PATH}`, `Max-Age=${maxAgeSeconds}`, 'HttpOnly', 'SameSite=Lax', ...(isTls(req) ? ['Secure'] : [])].join('; ');
}

/**
 * Console single sign-on (OIDC_ISSUER + OIDC_REDIRECT_URL): `/console/sso/start` sends the browser
 * to the identity provider, `/console/sso/callback` takes it back and starts a session. 404 while
 * SSO is off. Public routes, like the sign-in form (they are how a session comes to exist).
 */
@ApiExcludeController()
@Controller('console/sso')
@UseFilters(ConsoleExceptionFilter)
export class ConsoleSsoController {
  private readonly logger = new Logger(ConsoleSsoController.name);

  constructor(
    private readonly signIn: OidcConsoleSignIn,
    private readonly sessions: ConsoleSessionStore,
  ) {}

  @Get('start')
  async start(@Query('next') next: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    this.assertEnabled();
    let flow: { flowId: string; url: string };
    try {
      flow = await this.signIn.start(safeConsoleRedirect(next));
    } catch (err) {
      this.logger.warn(`identity provider discovery failed: ${(err as Error).message}`);
      res.status(503).type('html').send(ssoRefusedPage('The identity provider cannot be reached right now. Try again in a minute, or sign in with an admin token.'));
      return;
    }
    res.setHeader('Set-Cookie', flowCookie(req, flow.flowId, 600));
    res.redirect(303, flow.url);
  }

  @Get('callback')
  async callback(@Req() req: Request, @Res() res: Response): Promise<void> {
    this.assertEnabled();
    const queryAt = req.originalUrl.indexOf('?');
    const search = queryAt < 0 ? '' : req.originalUrl.slice(queryAt);
    let result: Awaited<ReturnType<OidcConsoleSignIn['finish']>>;
    try {
      result = await this.signIn.finish(readCookie(req, FLOW_COOKIE), search);
    } catch (err) {
      this.logger.warn(`SSO code exchange failed: ${(err as Error).message}`);
      result = { ok: false, message: 'The identity provider cannot be reached right now. Try again in a minute.' };
    }
    const cleared = flowCookie(req, '', 0);
    if (!result.ok) {
      res.setHeader('Set-Cookie', cleared);
      res.status(403).type('html').send(ssoRefusedPage(result.message));
      return;
    }
    // A session id from before sign-in is never reused (session fixation).
    this.sessions.destroy(readCookie(req, SESSION_COOKIE));
    res.setHeader('Set-Cookie', [cleared, sessionCookie(req, result.sessionId, result.expiresAt)]);
    res.status(200).type('html').send(ssoContinuePage(result.next));
  }

  private assertEnabled(): void {
    if (!this.signIn.enabled) throw new NotFoundException('Single sign-on is not configured (OIDC_ISSUER and OIDC_REDIRECT_URL)');
  }
}
