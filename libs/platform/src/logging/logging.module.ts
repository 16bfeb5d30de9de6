import { Global, Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { LoggerModule, PinoLogger, type Params } from 'nestjs-pino';
import { stdSerializers, type DestinationStream } from 'pino';
import { BaseAppConfig } from '../config/base-config';
import { requestLogMixin, requestLoggingMiddleware, serializeRequest, serializeResponse } from './request-logging';

/**
 * Paths pino removes from every log line. Identity data (emails, names, phone numbers) and
 * credentials never reach logs: request and response bodies are not logged at all (the req
 * serializer keeps method and path only), and these cover headers, credential-named fields at
 * any object, and what database errors carry about the row (TypeORM's QueryFailedError has the
 * bound `parameters`; Postgres puts the conflicting values in `detail`, e.g. a duplicate userName).
 */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["x-okta-verification-challenge"]',
  'req.body',
  'res.headers["set-cookie"]',
  'res.body',
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.authorization',
  '*.password',
  '*.token',
  '*.accessToken',
  '*.access_token',
  '*.refreshToken',
  '*.refresh_token',
  '*.idToken',
  '*.id_token',
  '*.secret',
  '*.clientSecret',
  '*.client_secret',
  '*.apiToken',
  '*.credential',
  '*.privateKey',
  '*.body',
  'err.parameters',
  'err.detail',
  'err.driverError',
  '*.err.parameters',
  '*.err.detail',
  '*.err.driverError',
];

/**
 * nestjs-pino's parameters for LOG_LEVEL. Its own per-request middleware (pino-http, plus a child
 * logger per request) is not mounted (`forRoutes: []`): AppLoggingModule mounts
 * requestLoggingMiddleware instead, and none at all when the level is silent — so a silent app does
 * no per-request logging work and never enables an AsyncLocalStorage (whose promise hook costs
 * every promise). Lines logged inside a request get its `req` from requestLogMixin. pino-http is
 * only the factory of the root logger; `wrapSerializers: false` keeps its heavy serializers out.
 */
export function appLoggerParams(level: string, destination?: DestinationStream): Params {
  const options = {
    level,
    redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
    autoLogging: false,
    wrapSerializers: false,
    mixin: requestLogMixin,
    // Only method, path and status: query strings can carry filters with user names.
    serializers: { req: serializeRequest, res: serializeResponse, err: stdSerializers.err },
  };
  return { pinoHttp: destination ? [options, destination] : options, forRoutes: [] };
}

/**
 * Structured JSON logging (pino) with request ids, shared by every app. Global because Nest mounts
 * global modules' middleware first: the request context then covers every other module's middleware.
 */
@Global()
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [BaseAppConfig],
      useFactory: (config: BaseAppConfig) => appLoggerParams(config.LOG_LEVEL),
    }),
  ],
})
export class AppLoggingModule implements NestModule {
  constructor(
    private readonly config: BaseAppConfig,
    private readonly pinoLogger: PinoLogger,
  ) {}

  configure(consumer: MiddlewareConsumer): void {
    if (this.config.LOG_LEVEL === 'silent') return;
    // Outside any request context, PinoLogger's logger is the root logger.
    consumer.apply(requestLoggingMiddleware(this.pinoLogger.logger)).forRoutes('{*path}');
  }
}
