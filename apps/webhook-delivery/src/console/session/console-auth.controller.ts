import { Body, Controller, Get, Header, HttpCode, NotFoundException, Post, Query, Req, Res, UseFilters, UseGuards, UsePipes, ValidationPipe } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ConsoleExceptionFilter } from '../console-exception.filter';
import { SignInFormDto } from '../dto/console-query.dto';
import { loginPage } from '../html/console-pages';
import { AdminTokenSignIn } from './admin-token-sign-in';
import { clearedSessionCookie, CONSOLE_PATH, readCookie, safeConsoleRedirect, SESSION_COOKIE, sessionCookie } from './console-cookies';
import { ConsoleSessionStore } from './console-session.store';
import { ConsoleSessionGuard, RequireConsoleRole } from './console-session.guard';
import { OidcConsoleSignIn } from './oidc-sign-in';
import { SignInThrottle } from './sign-in-throttle';

/** Sign-in (admin API token → session cookie; the form also links to SSO when configured) and sign-out. */
@ApiExcludeController()
@Controller('console')
@UseFilters(ConsoleExceptionFilter)
@UsePipes(new ValidationPipe({ whitelist: true, transform: true }))
export class ConsoleAuthController {
  constructor(
    private readonly signIn: AdminTokenSignIn,
    private readonly sessions: ConsoleSessionStore,
    private readonly throttle: SignInThrottle,
    private readonly sso: OidcConsoleSignIn,
  ) {}

  @Get('login')
  @Header('Content-Type', 'text/html; charset=utf-8')
  form(@Query('next') next: unknown): string {
    this.assertEnabled();
    return loginPage({ next: safeConsoleRedirect(next), sso: this.sso.enabled });
  }

  /** 303 to where the person was going, with the session cookie; 401 and the form again otherwise (429 after repeated failures). */
  @Post('login')
  @HttpCode(303)
  async login(@Body() form: SignInFormDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    this.assertEnabled();
    const next = safeConsoleRedirect(form.next);
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const wait = this.throttle.retryAfterSeconds(address);
    if (wait > 0) {
      res.status(429).setHeader('Retry-After', String(wait));
      res.type('html').send(loginPage({ next, sso: this.sso.enabled, error: `Too many failed sign-ins from this address. Try again in ${wait} seconds.` }));
      return;
    }
    const signedIn = await this.signIn.signInWithToken(form.token);
    if (!signedIn) {
      this.throttle.recordFailure(address);
      res.status(401).type('html').send(loginPage({ next, sso: this.sso.enabled, error: 'That is not the admin API token or an admin token with a console role. Check it and try again.' }));
      return;
    }
    // A session id from before sign-in is never reused (session fixation).
    this.sessions.destroy(readCookie(req, SESSION_COOKIE));
    res.setHeader('Set-Cookie', sessionCookie(req, signedIn.sessionId, signedIn.expiresAt));
    res.redirect(303, next);
  }

  /** A POST with the CSRF token (a link could be triggered by another site). */
  @Post('logout')
  @UseGuards(ConsoleSessionGuard)
  @RequireConsoleRole('console:read')
  logout(@Req() req: Request, @Res() res: Response): void {
    this.sessions.destroy(readCookie(req, SESSION_COOKIE));
    res.setHeader('Set-Cookie', clearedSessionCookie(req));
    res.redirect(303, `${CONSOLE_PATH}/login`);
  }

  private assertEnabled(): void {
    if (!this.signIn.enabled) throw new NotFoundException('The console is disabled (ADMIN_API_TOKEN is not set)');
  }
}
