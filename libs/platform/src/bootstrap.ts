import type { INestApplication, NestApplicationOptions, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Server } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { Logger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { AuditWriter } from '@idsync/audit';
import { BaseAppConfig } from './config/base-config';
import { loadConfig } from './config/config-loader';
import { kafkaClientConfig } from './kafka/kafka-client.factory';
import { applyServerTimeouts, hstsMiddleware, httpsOptionsFrom, reloadCertificateOnSighup } from './http/transport-security';
import { installHttpRateLimits, type AuthThrottleEvent } from './http/rate-limit/http-rate-limits';
import { httpMetricsMiddleware } from './metrics/http-metrics';
import { setupOpenApi, type OpenApiOptions } from './openapi/openapi';
import { httpServerTracingMiddleware, startTracing, TracingShutdownFlush } from './tracing';

export interface IdsyncAppOptions {
  /** The app's name (scim-gateway, …): the `service.name` of its spans unless OTEL_SERVICE_NAME is set (default: clientId). */
  name?: string;
  /** kafkajs client id of this app. */
  clientId: string;
  /** When set, the app also runs a Nest Kafka microservice consuming with this group id. */
  consumerGroupId?: string;
  /**
   * Tuning of that consumer. `partitionsConsumedConcurrently`: partitions handled in parallel
   * (kafkajs still hands over one partition's records one at a time, in order; default 1).
   * `rawValues`: record values reach handlers as the Buffer Kafka delivered instead of Nest's
   * best-effort JSON decoding, for handlers that validate and dead-letter them byte for byte.
   */
  consumer?: { partitionsConsumedConcurrently?: number; rawValues?: boolean };
  /** App-specific HTTP set-up (body parsers, middleware) applied before the app initialises. */
  configure?: (app: INestApplication) => void;
  /** false when `configure` installs its own body parsers. */
  bodyParser?: boolean;
  /** Apps with an HTTP API opt in: OpenAPI UI at /docs, the document at /docs/openapi.json. */
  openApi?: OpenApiOptions;
}

/**
 * Creates an idsync app: pino logging, shutdown hooks (SIGTERM drains HTTP and Kafka consumers),
 * module init (topics created, migrations checked), then the Kafka consumer if it has one.
 * main.ts and the e2e tests start apps through here, so tests exercise the real wiring.
 */
export async function createIdsyncApp(module: Type<unknown>, opts: IdsyncAppOptions): Promise<INestApplication> {
  // Tracing starts before the app exists (a no-op unless OTEL_TRACES_EXPORTER=otlp); when on, the
  // root module also gets the provider that flushes buffered spans on shutdown.
  const baseConfig = loadConfig(BaseAppConfig);
  const tracing = startTracing(baseConfig, opts.name ?? opts.clientId);
  const root = tracing ? { module, providers: [TracingShutdownFlush] } : module;
  // Node's own ServerOptions; Nest's HttpsOptions declares a narrower SNICallback signature.
  const httpsOptions = httpsOptionsFrom(baseConfig) as NestApplicationOptions['httpsOptions'];
  const app = await NestFactory.create(root, { bufferLogs: true, bodyParser: opts.bodyParser ?? true, httpsOptions });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  const config = app.get(BaseAppConfig);
  applyServerTimeouts(app.getHttpServer() as Server, config);
  if (httpsOptions) {
    const logger = app.get(Logger);
    const stopReloading = reloadCertificateOnSighup(app.getHttpServer() as HttpsServer, config, (error) =>
      error ? logger.error(`TLS certificate reload failed, still serving the previous one: ${error.message}`) : logger.log('TLS certificate reloaded'),
    );
    app.getHttpServer().once('close', stopReloading);
    app.use(hstsMiddleware());
  }
  if (opts.consumerGroupId) {
    app.connectMicroservice<MicroserviceOptions>(
      {
        transport: Transport.KAFKA,
        options: {
          client: kafkaClientConfig(config, opts.clientId),
          // kafkajs heartbeats every 3 s by default; a short session timeout needs them more often.
          consumer: {
            groupId: opts.consumerGroupId,
            allowAutoTopicCreation: false,
            sessionTimeout: config.KAFKA_SESSION_TIMEOUT_MS,
            heartbeatInterval: Math.min(3_000, Math.floor(config.KAFKA_SESSION_TIMEOUT_MS / 3)),
          },
          postfixId: '',
          subscribe: { fromBeginning: true },
          run: { partitionsConsumedConcurrently: opts.consumer?.partitionsConsumedConcurrently ?? 1 },
          parser: { keepBinary: opts.consumer?.rawValues ?? false },
        },
      },
      { inheritAppConfig: true },
    );
  }
  // First middleware: the request's SERVER span is active for body parsing and everything after.
  if (tracing) app.use(httpServerTracingMiddleware());
  app.use(httpMetricsMiddleware());
  installHttpRateLimits(app, config, (event) => recordAuthThrottle(app, event));
  opts.configure?.(app);
  // Before init: Nest adds its 404 handler at init, and routes registered after it are unreachable.
  if (opts.openApi) setupOpenApi(app, opts.openApi);
  await app.init();
  await app.startAllMicroservices();
  return app;
}

/**
 * An address tripped the failed-credential throttle (once per address and window): a warning and
 * an `auth.throttled` record on the system audit chain. The individual failures are audited by the
 * apps (never with the presented credential).
 */
function recordAuthThrottle(app: INestApplication, event: AuthThrottleEvent): void {
  const logger = app.get(Logger);
  logger.warn({ clientAddress: event.clientAddress, api: event.api, failures: event.failures, windowSeconds: event.windowSeconds }, 'failed-authentication throttle engaged');
  let db: DataSource;
  try {
    db = app.get(DataSource, { strict: false });
  } catch {
    return; // an app without a database (none today) logs only
  }
  AuditWriter.record(db.manager, {
    tenantId: null,
    actorType: 'anonymous',
    actorId: event.clientAddress,
    action: 'auth.throttled',
    outcome: 'failure',
    details: { api: event.api, failures: event.failures, windowSeconds: event.windowSeconds },
  }).catch((err: unknown) => logger.error(`could not audit a failed-authentication throttle: ${err instanceof Error ? err.message : String(err)}`));
}

/** Standard main(): a configuration error stops the process with a clear message and exit code 1. */
export async function runIdsyncApp(load: () => Promise<Type<unknown>>, opts: IdsyncAppOptions & { name: string }): Promise<void> {
  try {
    const module = await load();
    const app = await createIdsyncApp(module, opts);
    const config = app.get(BaseAppConfig);
    await app.listen(config.PORT, config.HOST);
    app.get(Logger).log(`${opts.name} listening on ${config.tlsEnabled ? 'https' : 'http'}://${config.HOST}:${config.PORT}`);
  } catch (err) {
    process.stderr.write(`${opts.name} failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
