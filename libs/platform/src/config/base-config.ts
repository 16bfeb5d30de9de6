import { IsIn, IsInt, IsNotEmpty, IsNumber, IsString, Matches, Max, Min } from 'class-validator';

/** Settings every idsync app shares. Each app extends this with its own (and its own default PORT). */
export class BaseAppConfig {
  /** PostgreSQL connection string. */
  @IsString()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/idsync';

  /** PostgreSQL connections per app process. */
  @IsInt()
  @Min(1)
  @Max(500)
  DATABASE_POOL_SIZE = 20;

  /** Longest a query waits for a pooled connection before it fails (the gateway answers 503); 0 = forever. */
  @IsInt()
  @Min(0)
  DATABASE_POOL_ACQUIRE_TIMEOUT_MS = 10_000;

  /** Comma-separated Kafka bootstrap servers. */
  @IsString()
  @Matches(/^[^\s,]+:\d+(,[^\s,]+:\d+)*$/, { message: 'KAFKA_BROKERS must be host:port[,host:port…]' })
  KAFKA_BROKERS = '127.0.0.1:19092';

  /** Prepended to every topic name (several deployments can share one cluster). */
  @IsString()
  @Matches(/^[a-zA-Z0-9._-]*$/, { message: 'KAFKA_TOPIC_PREFIX may only contain letters, digits, . _ -' })
  KAFKA_TOPIC_PREFIX = '';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** Address the HTTP server binds to. */
  @IsString()
  @IsNotEmpty()
  HOST = '0.0.0.0';

  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  /** How long SIGTERM waits for in-flight work before the process exits anyway. */
  @IsInt()
  @Min(0)
  SHUTDOWN_GRACE_MS = 10_000;

  /**
   * Kafka consumer session timeout: how long the group waits for a member that stopped
   * heartbeating (a crashed replica) before its partitions move to the others. The broker only
   * accepts 6000 … 300000 by default (group.min/max.session.timeout.ms).
   */
  @IsInt()
  @Min(1_000)
  @Max(300_000)
  KAFKA_SESSION_TIMEOUT_MS = 30_000;

  /** `otlp`: export OpenTelemetry traces over OTLP/HTTP (JSON); `none` (default): no tracer is set up at all. */
  @IsIn(['none', 'otlp'])
  OTEL_TRACES_EXPORTER = 'none';

  /** OTLP/HTTP base URL; traces go to `<endpoint>/v1/traces`. Empty: http://localhost:4318. */
  @Matches(/^(https?:\/\/\S+)?$/, { message: 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL' })
  OTEL_EXPORTER_OTLP_ENDPOINT = '';

  /** Full OTLP/HTTP traces URL; overrides OTEL_EXPORTER_OTLP_ENDPOINT. */
  @Matches(/^(https?:\/\/\S+)?$/, { message: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http(s) URL' })
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = '';

  /** `service.name` of this app's spans. Empty: the app's name (scim-gateway, sync-worker, webhook-delivery). */
  @IsString()
  OTEL_SERVICE_NAME = '';

  /** Fraction of new traces sampled (0 … 1); a trace that arrives sampled or not keeps its parent's decision. */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  OTEL_TRACES_SAMPLER_ARG = 1;

  /** PEM certificate chain: with TLS_KEY_FILE, the app serves HTTPS itself (TLS 1.2 minimum, 1.3 preferred). Empty: plain HTTP (behind a TLS-terminating proxy). */
  @IsString()
  TLS_CERT_FILE = '';

  /** PEM private key of TLS_CERT_FILE. Both files are re-read on SIGHUP (certificate renewal without a restart). */
  @IsString()
  TLS_KEY_FILE = '';

  /** Longest a client may take to send the request headers (slow-loris protection). */
  @IsInt()
  @Min(1_000)
  HTTP_HEADERS_TIMEOUT_MS = 15_000;

  /** Longest a client may take to send a whole request, body included. */
  @IsInt()
  @Min(1_000)
  HTTP_REQUEST_TIMEOUT_MS = 60_000;

  /** How long an idle keep-alive connection stays open. */
  @IsInt()
  @Min(0)
  HTTP_KEEP_ALIVE_TIMEOUT_MS = 5_000;

  /**
   * Proxies whose X-Forwarded-For is believed (Express `trust proxy`): a hop count, or
   * comma-separated addresses/subnets (`loopback`, `10.0.0.0/8`). Empty: the socket address is the
   * client (rate limits, audit records) and X-Forwarded-For is ignored.
   */
  @IsString()
  @Matches(/^[\w.:/, -]*$/, { message: 'TRUST_PROXY must be a hop count or comma-separated addresses/subnets' })
  TRUST_PROXY = '';

  /** Sustained requests per second per client address to /scim and /hooks (token bucket; 429 + Retry-After above it); 0 = off. */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  SCIM_RATE_LIMIT_IP_RPS = 10_000;

  /** Requests one client address may send to /scim and /hooks at once before SCIM_RATE_LIMIT_IP_RPS applies. */
  @IsInt()
  @Min(1)
  SCIM_RATE_LIMIT_IP_BURST = 20_000;

  /** Sustained requests per second per client address to every other route (admin API, console, docs; not /health, /metrics); 0 = off. */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  ADMIN_RATE_LIMIT_IP_RPS = 100;

  /** Burst of ADMIN_RATE_LIMIT_IP_RPS. */
  @IsInt()
  @Min(1)
  ADMIN_RATE_LIMIT_IP_BURST = 1_000;

  /** Failed authentications (401 to a request that presented a credential) per client address per window before it gets 429; 0 = off. */
  @IsInt()
  @Min(0)
  AUTH_FAILURE_LIMIT = 20;

  /** The window of AUTH_FAILURE_LIMIT; a throttled address may try again when it ends. */
  @IsInt()
  @Min(1)
  @Max(86_400)
  AUTH_FAILURE_WINDOW_SECONDS = 60;

  /** Client addresses (and tenants) each in-memory rate limiter tracks at most; the least recently seen are dropped. */
  @IsInt()
  @Min(100)
  RATE_LIMIT_MAX_TRACKED_KEYS = 100_000;

  get tlsEnabled(): boolean {
    return this.TLS_CERT_FILE !== '' && this.TLS_KEY_FILE !== '';
  }

  get kafkaBrokers(): string[] {
    return this.KAFKA_BROKERS.split(',');
  }
}
