import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { Webhook } from 'standardwebhooks';
import { EnvelopeCipher } from '@idsync/crypto';
import { createIdsyncApp } from '@idsync/platform';
import { createTestDatabase, setAppEnv, testKafkaBrokers, uniqueTopicPrefix, type TestDatabase } from '@idsync/testing';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** One request a receiver got. */
export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
}

/** A receiver's answer: status, optional delay, headers and body. */
export interface ReceiverAnswer {
  status: number;
  delayMs?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** What a receiver answers to its n-th request (1-based): a status, a full answer, or 'hang' (never answers). */
export type ReceiverBehaviour = (n: number, req: IncomingMessage) => number | 'hang' | ReceiverAnswer;

/** A real HTTP server on 127.0.0.1 standing in for a customer's webhook endpoint. */
export class TestReceiver {
  readonly requests: ReceivedWebhook[] = [];
  connections = 0;
  /** Requests being answered right now, and the most there ever were at once. */
  inFlight = 0;
  maxInFlight = 0;
  private readonly sockets = new Set<Socket>();
  private readonly hanging = new Set<ServerResponse>();
  private readonly server: Server;

  private constructor(public behaviour: ReceiverBehaviour) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), receivedAt: Date.now() });
        this.inFlight += 1;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        const answer = this.behaviour(this.requests.length, req);
        if (answer === 'hang') {
          this.hanging.add(res);
          return;
        }
        const { status, delayMs = 0, headers = {}, body } = typeof answer === 'number' ? { status: answer } : answer;
        setTimeout(() => {
          this.inFlight -= 1;
          res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(body ?? (status >= 300 ? `status ${status} from the test receiver` : 'ok'));
        }, delayMs);
      });
    });
    this.server.on('connection', (socket: Socket) => {
      this.connections += 1;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(behaviour: ReceiverBehaviour = () => 204): Promise<TestReceiver> {
    const receiver = new TestReceiver(behaviour);
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  /** Every request verified with the standardwebhooks library (throws on a bad signature). */
  verifyAll(secret: string): unknown[] {
    const wh = new Webhook(secret);
    return this.requests.map((r) => wh.verify(r.body, r.headers as Record<string, string>));
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    for (const res of this.hanging) res.destroy();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export interface AdminResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/** webhook-delivery started in-process through createIdsyncApp (as main.ts does). */
export class WebhookHarness {
  app!: INestApplication;
  url = '';
  private producer: Producer | undefined;
  private readonly replicas: INestApplication[] = [];

  private constructor(
    readonly db: TestDatabase,
    readonly prefix: string,
  ) {}

  /**
   * Sets the app's environment (read at import time: config and topic names), then starts it.
   * Defaults: http allowed, 127.0.0.1/32 allow-listed, a millisecond retry schedule.
   */
  static async start(env: Record<string, string> = {}): Promise<WebhookHarness> {
    const db = await createTestDatabase('webhooks');
    const prefix = uniqueTopicPrefix('wh');
    setAppEnv({
      DATABASE_URL: db.url,
      KAFKA_BROKERS: testKafkaBrokers(),
      KAFKA_TOPIC_PREFIX: prefix,
      WEBHOOK_GROUP_ID: `${prefix}-webhook`,
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      ENCRYPTION_KEYS: `k1:${EnvelopeCipher.generateKey()}`,
      ENCRYPTION_ACTIVE_KEY_ID: 'k1',
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
      WEBHOOK_RETRY_SCHEDULE_MS: '0,300,300,300',
      WEBHOOK_RETRY_JITTER: '0',
      WEBHOOK_POLL_MS: '100',
      WEBHOOK_RESPONSE_TIMEOUT_MS: '5000',
      ...env,
    });
    const harness = new WebhookHarness(db, prefix);
    await harness.startApp();
    return harness;
  }

  async startApp(): Promise<void> {
    const { WebhookDeliveryModule } = await import('../../apps/webhook-delivery/src/app.module');
    this.app = await createIdsyncApp(WebhookDeliveryModule, { clientId: 'test-webhook' });
    await this.app.listen(0, '127.0.0.1');
    this.url = (await this.app.getUrl()).replace('[::1]', '127.0.0.1');
  }

  /** Another replica of the app on the same database and consumer group (closed by close()). */
  async startReplica(): Promise<INestApplication> {
    const { WebhookDeliveryModule } = await import('../../apps/webhook-delivery/src/app.module');
    const replica = await createIdsyncApp(WebhookDeliveryModule, { clientId: 'test-webhook-replica' });
    await replica.listen(0, '127.0.0.1');
    this.replicas.push(replica);
    return replica;
  }

  async stopApp(): Promise<void> {
    await this.app.close();
  }

  async admin<T = Record<string, unknown>>(method: string, path: string, body?: unknown, token = ADMIN_TOKEN): Promise<AdminResponse<T>> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
  }

  /** Creates a subscription through the admin API; returns its id and the secret shown once. */
  async subscribe(tenantId: string, url: string, extra: Record<string, unknown> = {}): Promise<{ id: string; secret: string }> {
    const res = await this.admin<{ id: string; secret: string }>('POST', '/admin/subscriptions', { tenantId, url, eventTypes: ['idsync.user.*'], ...extra });
    if (res.status !== 201) throw new Error(`creating a subscription answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** Produces a binary-mode CloudEvent onto the (prefixed) public topic, as sync-worker does. */
  async publishIdentityEvent(
    tenantId: string,
    opts: { type?: string; id?: string; resourceId?: string; resource?: Record<string, unknown> | null } = {},
  ): Promise<{ id: string; resourceId: string }> {
    if (!this.producer) {
      const kafka = new Kafka({ clientId: 'test-event-producer', brokers: testKafkaBrokers().split(','), logLevel: logLevel.NOTHING });
      this.producer = kafka.producer({ allowAutoTopicCreation: false });
      await this.producer.connect();
    }
    const id = opts.id ?? randomUUID();
    const resourceId = opts.resourceId ?? randomUUID();
    const type = opts.type ?? 'idsync.user.created';
    await this.producer.send({
      topic: `${this.prefix}.idsync.identity.events.v1`,
      messages: [
        {
          key: `${tenantId}:${resourceId}`,
          value: JSON.stringify({ tenantId, resourceType: 'User', resourceId, version: 1, actor: { type: 'system', id: 'test' }, changedAttributes: ['userName'], resource: opts.resource === undefined ? { id: resourceId, userName: `${resourceId}@example.com` } : opts.resource }),
          headers: {
            ce_specversion: '1.0',
            ce_id: id,
            ce_type: type,
            ce_source: '/idsync/test',
            ce_subject: `Users/${resourceId}`,
            ce_time: new Date().toISOString(),
            ce_sequence: '00000000000000000001',
            ce_tenantid: tenantId,
            ce_actor: 'system:test',
            ce_changeid: '1',
            'content-type': 'application/json',
          },
        },
      ],
    });
    return { id, resourceId };
  }

  async close(): Promise<void> {
    await this.producer?.disconnect();
    for (const replica of this.replicas) await replica.close();
    await this.app?.close();
    await this.db.drop();
  }
}
