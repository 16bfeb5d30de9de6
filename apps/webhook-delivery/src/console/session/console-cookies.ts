import type { Request } from 'express';

/** The console's session cookie: scoped to /console, never readable by scripts. */
export const SESSION_COOKIE = 'idsync_console_session';
export const CONSOLE_PATH = '/console';

/** Cookie values of a request (no cookie-parser middleware: the console reads exactly one cookie). */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(raw);
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** TLS directly or at a proxy in front: the cookie is then Secure (a forged header only hardens the sender's own cookie). */
export function isTls(req: Request): boolean {
  return req.secure || req.headers['x-forwarded-proto'] === 'https';
}

/** Set-Cookie for a session: HttpOnly, SameSite=Strict, Secure under TLS, expiring with the session. */
export function sessionCookie(req: Request, sessionId: string, expiresAt: number): string {
  const maxAge = Math.max(0, Math.floor((expiresAt - Date.now()) / 1000));
  return [`${SESSION_COOKIE}=${sessionId}`, `Path=${CONSOLE_PATH}`, `Max-Age=${maxAge}`, 'HttpOnly', 'SameSite=Strict', ...(isTls(req) ? ['Secure'] : [])].join('; ');
}

/** Set-Cookie that removes the session cookie. */
export function clearedSessionCookie(req: Request): string {
  return [`${SESSION_COOKIE}=`, `Path=${CONSOLE_PATH}`, 'Max-Age=0', 'HttpOnly', 'SameSite=Strict', ...(isTls(req) ? ['Secure'] : [])].join('; ');
}

/**
 * Where to go after signing in: only a path inside the console (never another origin: `//evil`,
 * `/\evil` and absolute URLs fall back to the console home).
 */
export function safeConsoleRedirect(next: unknown): string {
  if (typeof next !== 'string' || next.length > 2000) return CONSOLE_PATH;
  if (!/^\/console(\/[A-Za-z0-9._~%!$&'()*+,;=:@/?-]*)?$/.test(next) || next.includes('//') || next.includes('\\')) return CONSOLE_PATH;
  return next;
}
