import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { BaseAppConfig } from '../config/base-config';

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

/** Structured JSON logging (pino) with request ids, shared by every app. */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [BaseAppConfig],
      useFactory: (config: BaseAppConfig) => ({
        pinoHttp: {
          level: config.LOG_LEVEL,
          redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
          autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health') || req.url === '/metrics' },
          serializers: {
            // Only method, route and status: query strings can carry filters with user names.
            req: (req: { id?: unknown; method?: string; url?: string }) => ({
              id: req.id,
              method: req.method,
              path: (req.url ?? '').split('?')[0],
            }),
          },
        },
      }),
    }),
  ],
})
export class AppLoggingModule {}
