import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { BaseAppConfig } from '../config/base-config';

/**
 * Paths pino removes from every log line. Identity data (emails, names, phone numbers) and
 * credentials never reach logs: request bodies are not logged at all, and these cover headers.
 */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-okta-verification-challenge"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.secret',
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
