// `node -r ./scripts/register.cjs bench/request-logging.bench.ts [pino-http|idsync|none] [silent|info] [N]`:
// CPU per request of the per-request logging layer alone, without HTTP, Nest or the database (the
// gateway bench's CPU per request is too noisy on a shared machine to show a few percent).
// Each request is a real IncomingMessage/ServerResponse pair; the "handler" awaits 20 promises
// (as a Nest request does, so the AsyncLocalStorage promise hook is paid) and ends the response.
//   pino-http: the set-up before the request logger of libs/platform/src/logging/request-logging.ts —
//              pino-http with the apps' options plus nestjs-pino's AsyncLocalStorage binding;
//   idsync:    what AppLoggingModule mounts now (nothing at silent);
//   none:      no logging layer (the floor).
// Lines go to /dev/null. Run each variant in its own process (the promise hook, once on, stays on).
import 'reflect-metadata';
import fs from 'node:fs';
import http from 'node:http';
import { AsyncLocalStorage } from 'node:async_hooks';
import { Socket } from 'node:net';
import { PinoLogger } from 'nestjs-pino';
import pino from 'pino';
import { pinoHttp } from 'pino-http';
import { appLoggerParams, REDACTED_LOG_PATHS } from '../libs/platform/src/logging/logging.module';
import { requestLoggingMiddleware } from '../libs/platform/src/logging/request-logging';

type Middleware = (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => void;

const [variant = 'idsync', level = 'silent', n = '200000'] = process.argv.slice(2);
const requests = Number(n);
const devNull = pino.destination({ dest: fs.openSync('/dev/null', 'w'), sync: true });

function layer(): Middleware[] {
  if (variant === 'none') return [];
  if (variant === 'idsync') {
    const pinoLogger = new PinoLogger(appLoggerParams(level, devNull));
    return level === 'silent' ? [] : [requestLoggingMiddleware(pinoLogger.logger)];
  }
  // pino-http as libs/platform/src/logging/logging.module.ts configured it before, and nestjs-pino's
  // bindLoggerMiddleware (storage.run per request).
  const logging = pinoHttp(
    {
      level,
      redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
      autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health') || req.url === '/metrics' },
      serializers: { req: (req: { id?: unknown; method?: string; url?: string }) => ({ id: req.id, method: req.method, path: (req.url ?? '').split('?')[0] }) },
    },
    devNull,
  );
  const storage = new AsyncLocalStorage<{ logger: unknown }>();
  const bind: Middleware = (req, _res, next) => storage.run({ logger: (req as { log?: unknown }).log }, next);
  return [logging as unknown as Middleware, bind];
}

const chain = layer();

function oneRequest(i: number): Promise<void> {
  const socket = new Socket();
  const req = new http.IncomingMessage(socket);
  req.method = 'GET';
  req.url = `/scim/v2/Users/0000000${i % 10}-aaaa-bbbb-cccc-000000000000?attributes=userName`;
  req.headers = { host: '127.0.0.1', authorization: 'Bearer abcdefabcdef', accept: 'application/scim+json', 'user-agent': 'bench', connection: 'keep-alive' };
  const res = new http.ServerResponse(req);
  return new Promise<void>((resolve) => {
    const handler = async (): Promise<void> => {
      for (let k = 0; k < 20; k++) await Promise.resolve(k);
      res.statusCode = 200;
      res.emit('finish');
      resolve();
    };
    let at = 0;
    const next = (): void => {
      const mw = chain[at++];
      if (mw) mw(req, res, next);
      else void handler();
    };
    next();
  });
}

async function main(): Promise<void> {
  for (let i = 0; i < 20_000; i++) await oneRequest(i); // warm-up
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < requests; i++) await oneRequest(i);
  const cpu = process.cpuUsage(cpu0);
  const us = (cpu.user + cpu.system) / requests;
  process.stdout.write(`${variant} ${level}: ${us.toFixed(2)} µs CPU per request (${requests} requests, ${Math.round(performance.now() - t0)} ms wall)\n`);
}

void main();
