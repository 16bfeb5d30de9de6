import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { REDACTED_LOG_PATHS } from './logging.module';

/** A pino logger with the apps' redaction, writing into an array of lines. */
function capture(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString('utf8')), done()) });
  return { logger: pino({ level: 'debug', redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' } }, sink), lines };
}

describe('REDACTED_LOG_PATHS', () => {
  it('removes credentials in headers and credential-named fields, bodies, and the row values database errors carry', () => {
    const { logger, lines } = capture();
    logger.info({ req: { headers: { authorization: 'Bearer scim-token-1', cookie: 'sid=cookie-2', 'x-api-key': 'key-3' }, body: { userName: 'body-4@example.com' } } }, 'request');
    logger.debug({ subscription: { secret: 'whsec_secret5', url: 'https://ok.example' }, okta: { client_secret: 'client-6', apiToken: 'token-7' } }, 'config');
    const dbError = Object.assign(new Error('duplicate key value violates unique constraint "uq_user_name"'), {
      parameters: ['tenant', 'param-8@example.com'],
      detail: 'Key (tenant_id, user_name)=(t, detail-9@example.com) already exists.',
    });
    logger.error({ err: dbError }, 'insert failed');
    logger.warn({ attempt: { headers: { authorization: 'Basic outbound-10' }, body: '{"emails":"x-11@example.com"}' } }, 'delivery');
    const text = lines.join('');
    for (const leaked of ['scim-token-1', 'cookie-2', 'key-3', 'body-4', 'secret5', 'client-6', 'token-7', 'param-8', 'detail-9', 'outbound-10', 'x-11']) {
      assert.ok(!text.includes(leaked), `${leaked} must not be logged:\n${text}`);
    }
    // What is not sensitive stays, so the lines are still useful.
    assert.match(text, /https:\/\/ok\.example/);
    assert.match(text, /duplicate key value violates unique constraint/);
    assert.equal((text.match(/\[redacted\]/g) ?? []).length, 11);
  });
});
