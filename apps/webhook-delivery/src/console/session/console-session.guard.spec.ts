import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ForbiddenException, NotFoundException, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AdminTokenSignIn } from './admin-token-sign-in';
import { SESSION_COOKIE } from './console-cookies';
import { ConsoleSessionStore } from './console-session.store';
import { ConsoleSessionGuard, ConsoleSignInRequired, RequireConsoleRole } from './console-session.guard';

const TOKEN = 'admin-token-for-the-guard-spec';

class Handlers {
  read(): void {}
  @RequireConsoleRole('console:operate')
  operate(): void {}
}

interface FakeRequest {
  method: string;
  originalUrl: string;
  protocol: string;
  headers: Record<string, string>;
  body?: Record<string, unknown>;
  consoleSession?: unknown;
}

function contextFor(req: FakeRequest, handler: keyof Handlers = 'read'): ExecutionContext {
  return {
    switchToHttp: () => ({ getRequest: () => req }),
    getHandler: () => Handlers.prototype[handler],
    getClass: () => Handlers,
  } as unknown as ExecutionContext;
}

function setUp(token = TOKEN) {
  const sessions = new ConsoleSessionStore();
  const signIn = new AdminTokenSignIn(token, sessions);
  const sut = new ConsoleSessionGuard(new Reflector(), sessions, signIn);
  return { sessions, signIn, sut };
}

function request(overrides: Partial<FakeRequest> = {}): FakeRequest {
  return { method: 'GET', originalUrl: '/console/tenants/x/deliveries', protocol: 'http', headers: { host: 'console.test' }, ...overrides };
}

describe(ConsoleSessionGuard.name, () => {
  it('answers 404 when no admin token is configured (the console is off, like the admin API)', () => {
    const { sut, signIn } = setUp('');
    assert.equal(signIn.signIn(''), undefined);
    assert.throws(() => sut.canActivate(contextFor(request())), NotFoundException);
  });

  it('signs in only with the admin token and asks for sign-in, remembering the page, without a live session', () => {
    const { sut, signIn } = setUp();
    assert.equal(signIn.signIn('wrong'), undefined);
    assert.equal(signIn.signIn(undefined), undefined);
    assert.ok(signIn.signIn(TOKEN));
    for (const cookie of [undefined, `${SESSION_COOKIE}=forged-session-id`, `other=1`]) {
      const req = request({ headers: { host: 'console.test', ...(cookie ? { cookie } : {}) } });
      assert.throws(() => sut.canActivate(contextFor(req)), (err: unknown) => err instanceof ConsoleSignInRequired && err.returnTo === '/console/tenants/x/deliveries');
    }
  });

  it('lets a GET with a live session through and puts the session on the request', () => {
    const { sut, signIn, sessions } = setUp();
    const { sessionId } = signIn.signIn(TOKEN)!;
    const req = request({ headers: { host: 'console.test', cookie: `${SESSION_COOKIE}=${sessionId}` } });
    assert.equal(sut.canActivate(contextFor(req)), true);
    assert.equal(req.consoleSession, sessions.find(sessionId));
  });

  it('requires the route role', () => {
    const { sut, sessions } = setUp();
    const { sessionId, session } = sessions.create('viewer', ['console:read']);
    const req = request({ method: 'POST', headers: { host: 'console.test', cookie: `${SESSION_COOKIE}=${sessionId}` }, body: { _csrf: session.csrfToken } });
    assert.throws(() => sut.canActivate(contextFor(req, 'operate')), /needs the console:operate role/);
  });

  it('refuses a POST without the session CSRF token, with another session token, or from another origin', () => {
    const { sut, signIn, sessions } = setUp();
    const { sessionId } = signIn.signIn(TOKEN)!;
    const session = sessions.find(sessionId)!;
    const other = sessions.create('admin-token', ['console:read', 'console:operate']).session;
    const cookie = `${SESSION_COOKIE}=${sessionId}`;
    const post = (extra: Partial<FakeRequest>) => request({ method: 'POST', headers: { host: 'console.test', cookie }, ...extra });
    for (const refused of [
      post({}),
      post({ body: {} }),
      post({ body: { _csrf: 'forged' } }),
      post({ body: { _csrf: other.csrfToken } }),
      post({ body: { _csrf: [session.csrfToken] } }),
      post({ body: { _csrf: session.csrfToken }, headers: { host: 'console.test', cookie, origin: 'https://evil.example' } }),
      post({ body: { _csrf: session.csrfToken }, headers: { host: 'console.test', cookie, origin: 'null' } }),
    ]) {
      assert.throws(() => sut.canActivate(contextFor(refused, 'operate')), ForbiddenException, JSON.stringify(refused.body));
    }
    assert.equal(sut.canActivate(contextFor(post({ body: { _csrf: session.csrfToken }, headers: { host: 'console.test', cookie, origin: 'http://console.test' } }), 'operate')), true);
    assert.equal(sut.canActivate(contextFor(post({ headers: { host: 'console.test', cookie, 'x-csrf-token': session.csrfToken } }), 'operate')), true);
  });
});
