import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { PinoLogger } from 'nestjs-pino';
import { appLoggerParams } from './logging.module';
import { requestLoggingMiddleware } from './request-logging';

// The real pieces: nestjs-pino's PinoLogger over the apps' root logger (appLoggerParams: level,
// redaction, serializers) writing into an array, and the middleware in front of a node:http server
// whose handlers log through the PinoLogger as app code does.
describe('requestLoggingMiddleware', () => {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>), done()) });
  const pinoLogger = new PinoLogger(appLoggerParams('info', sink));
  const middleware = requestLoggingMiddleware(pinoLogger.logger);
  let server: http.Server;
  let base = '';

  before(async () => {
    server = http.createServer((req, res) =>
      middleware(req, res, () => {
        pinoLogger.info({ scim: { token: 'handler-token-1' } }, 'inside the handler');
        // Let the request context outlive an await, as in real handlers.
        void Promise.resolve().then(() => {
          pinoLogger.warn('after an await');
          res.statusCode = req.url?.startsWith('/fail') ? 503 : 200;
          res.setHeader('set-cookie', 'sid=response-cookie-2');
          res.end('ok');
        });
      }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  async function get(path: string): Promise<void> {
    const res = await fetch(`${base}${path}`, { headers: { authorization: 'Bearer header-token-3', cookie: 'sid=request-cookie-4' } });
    await res.text();
    await new Promise((r) => setImmediate(r));
  }

  it('writes one line per request with id, method, path without the query, status and duration; handler lines carry the request', async () => {
    lines.length = 0;
    await get('/scim/v2/Users?filter=userName%20eq%20%22query-person-5%40example.com%22');
    const done = lines.find((l) => l.msg === 'request completed');
    assert.ok(done, JSON.stringify(lines));
    const req = done.req as { id: number; method: string; path: string };
    assert.equal(req.method, 'GET');
    assert.equal(req.path, '/scim/v2/Users');
    assert.equal(typeof req.id, 'number');
    assert.deepEqual(done.res, { statusCode: 200 });
    assert.equal(typeof done.responseTime, 'number');
    // Lines logged while handling the request carry the same request, across an await.
    for (const msg of ['inside the handler', 'after an await']) {
      assert.deepEqual(lines.find((l) => l.msg === msg)?.req, req, msg);
    }
    const text = JSON.stringify(lines);
    for (const leaked of ['handler-token-1', 'response-cookie-2', 'header-token-3', 'request-cookie-4', 'query-person-5']) {
      assert.ok(!text.includes(leaked), `${leaked} must not be logged: ${text}`);
    }
  });

  it('gives each request its own id, logs 5xx as "request errored", and writes nothing for /health and /metrics', async () => {
    lines.length = 0;
    await get('/a');
    await get('/fail');
    await get('/health/ready');
    await get('/metrics');
    const requestLines = lines.filter((l) => l.req !== undefined && String(l.msg).startsWith('request '));
    assert.deepEqual(
      requestLines.map((l) => [(l.req as { path: string }).path, l.msg, (l.res as { statusCode: number }).statusCode]),
      [
        ['/a', 'request completed', 200],
        ['/fail', 'request errored', 503],
      ],
    );
    assert.equal((requestLines[1].err as { message: string }).message, 'failed with status code 503');
    assert.notEqual((requestLines[0].req as { id: number }).id, (requestLines[1].req as { id: number }).id);
    // Outside a logged request, handler lines have no request (the probes get no context).
    assert.ok(lines.filter((l) => l.msg === 'inside the handler' && l.req === undefined).length === 2, JSON.stringify(lines));
  });
});
