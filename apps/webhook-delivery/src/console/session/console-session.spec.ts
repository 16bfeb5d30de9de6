import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Request } from 'express';
import { clearedSessionCookie, readCookie, safeConsoleRedirect, sessionCookie } from './console-cookies';
import { ALL_CONSOLE_ROLES } from './console-session';
import { ConsoleSessionStore } from './console-session.store';
import { SignInThrottle } from './sign-in-throttle';

function request(headers: Record<string, string>, secure = false): Request {
  return { headers, secure } as unknown as Request;
}

describe(ConsoleSessionStore.name, () => {
  it('finds a session by the id it handed out, with the roles and a CSRF token of its own', () => {
    const sut = new ConsoleSessionStore();
    const a = sut.create('admin-token', ALL_CONSOLE_ROLES);
    const b = sut.create('admin-token', ['console:read']);
    assert.match(a.sessionId, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(sut.find(a.sessionId)?.roles, ['console:read', 'console:operate']);
    assert.deepEqual(sut.find(b.sessionId)?.roles, ['console:read']);
    assert.notEqual(a.session.csrfToken, b.session.csrfToken);
    assert.notEqual(a.sessionId, a.session.csrfToken);
  });

  it('forgets unknown, malformed, expired and destroyed sessions', () => {
    const sut = new ConsoleSessionStore();
    let now = 1_000_000;
    sut.now = () => now;
    const { sessionId } = sut.create('admin-token', ALL_CONSOLE_ROLES, 60_000);
    for (const id of [undefined, '', 'x', `${sessionId}x`, sessionId.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))]) assert.equal(sut.find(id), undefined, String(id));
    now += 59_999;
    assert.ok(sut.find(sessionId));
    now += 1;
    assert.equal(sut.find(sessionId), undefined, 'expired at expiresAt');
    const other = sut.create('admin-token', ALL_CONSOLE_ROLES);
    sut.destroy(other.sessionId);
    assert.equal(sut.find(other.sessionId), undefined);
  });
});

describe('console cookies', () => {
  it('reads one cookie among several, tolerating spaces and bad encodings', () => {
    const req = request({ cookie: 'a=1; idsync_console_session=abc%2Ddef ;b=%E0%A4%A' });
    assert.equal(readCookie(req, 'idsync_console_session'), 'abc-def');
    assert.equal(readCookie(req, 'b'), undefined);
    assert.equal(readCookie(request({}), 'a'), undefined);
  });

  it('sets HttpOnly, SameSite=Strict, Path=/console, and Secure only under TLS', () => {
    const plain = sessionCookie(request({}), 'sid', Date.now() + 3_600_000);
    assert.match(plain, /^idsync_console_session=sid; Path=\/console; Max-Age=(3599|3600); HttpOnly; SameSite=Strict$/);
    assert.match(sessionCookie(request({}, true), 'sid', Date.now() + 1000), /; Secure$/);
    assert.match(sessionCookie(request({ 'x-forwarded-proto': 'https' }), 'sid', Date.now() + 1000), /; Secure$/);
    assert.match(clearedSessionCookie(request({})), /^idsync_console_session=; Path=\/console; Max-Age=0; HttpOnly; SameSite=Strict$/);
  });

  it('redirects after sign-in only to console paths, never to another origin', () => {
    assert.equal(safeConsoleRedirect('/console/tenants/x/deliveries?status=failed'), '/console/tenants/x/deliveries?status=failed');
    assert.equal(safeConsoleRedirect('/console'), '/console');
    for (const hostile of ['https://evil.example/console', '//evil.example', '/console//evil.example', '/\\evil.example', '/console/\\evil', '/consoleevil', 'javascript:alert(1)', '/admin/deliveries', undefined, 42, `/console/${'a'.repeat(2001)}`]) {
      assert.equal(safeConsoleRedirect(hostile), '/console', String(hostile));
    }
  });
});

describe(SignInThrottle.name, () => {
  it('refuses an address after 10 failures within a minute, until the minute is over; other addresses are unaffected', () => {
    const sut = new SignInThrottle();
    let now = 5_000_000;
    sut.now = () => now;
    for (let i = 0; i < 9; i++) sut.recordFailure('10.0.0.1');
    assert.equal(sut.retryAfterSeconds('10.0.0.1'), 0);
    sut.recordFailure('10.0.0.1');
    assert.equal(sut.retryAfterSeconds('10.0.0.1'), 60);
    assert.equal(sut.retryAfterSeconds('10.0.0.2'), 0);
    now += 59_000;
    assert.equal(sut.retryAfterSeconds('10.0.0.1'), 1);
    now += 1_000;
    assert.equal(sut.retryAfterSeconds('10.0.0.1'), 0);
    sut.recordFailure('10.0.0.1');
    assert.equal(sut.retryAfterSeconds('10.0.0.1'), 0, 'a new window starts from one failure');
  });
});
