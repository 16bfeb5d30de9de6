// A customer's webhook endpoint for the chaos run: a real node:http server on 127.0.0.1 whose
// behaviour the fault schedule changes (down, slow, answering 500s). It keeps what a careful
// receiver keeps: every message it stored, keyed by `webhook-id` (Standard Webhooks says to
// de-duplicate on it), with the signature verified.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** ok: 204; slow: stores, then answers after `slowMs` (past the sender's response timeout); failing: 500, not stored; down: port closed. */
export type ReceiverMode = 'ok' | 'slow' | 'failing' | 'down';

export interface StoredWebhook {
  webhookId: string;
  eventId: string;
  eventType: string;
  tenantId: string;
  subject: string;
  sequence: string;
}

export interface ReceiverTally {
  requests: number;
  stored: number;
  distinctWebhookIds: number;
  /** Requests answered 500 by a 'failing' receiver (not stored). */
  refused: number;
  /** Stored copies of a webhook-id already stored (a retry after a timeout/kill; de-duplicated). */
  redeliveries: number;
  badSignatures: number;
}

export class ChaosReceiver {
  /** First stored copy per webhook-id. */
  readonly stored = new Map<string, StoredWebhook>();
  readonly tally: ReceiverTally = { requests: 0, stored: 0, distinctWebhookIds: 0, refused: 0, redeliveries: 0, badSignatures: 0 };
  private modeNow: ReceiverMode = 'ok';
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly pending = new Set<ServerResponse>();
  private verifier: Webhook | undefined;
  port = 0;

  constructor(
    readonly name: string,
    private readonly slowMs: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks/${this.name}`;
  }

  get mode(): ReceiverMode {
    return this.modeNow;
  }

  /** The subscription's signing secret (shown once at creation); every stored message is verified with it. */
  useSecret(secret: string): void {
    this.verifier = new Webhook(secret);
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req.headers, Buffer.concat(chunks).toString('utf8'), res));
    });
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Switches behaviour; 'down' closes the port (connections refused), leaving it re-opens on the same port. */
  async setMode(mode: ReceiverMode): Promise<void> {
    if (mode === this.modeNow) return;
    const wasDown = this.modeNow === 'down';
    this.modeNow = mode;
    if (mode === 'down') await this.closeServer();
    else if (wasDown) await this.start();
  }

  async close(): Promise<void> {
    await this.closeServer();
  }

  private async closeServer(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const res of this.pending) res.destroy();
    this.pending.clear();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(headers: IncomingHttpHeaders, body: string, res: ServerResponse): void {
    this.tally.requests++;
    if (this.modeNow === 'failing') {
      this.tally.refused++;
      res.writeHead(500, { 'content-type': 'text/plain' }).end('chaos: failing for a while');
      return;
    }
    this.store(headers, body);
    if (this.modeNow === 'slow') {
      // Stored, but the answer comes after the sender gave up: it retries and we see the id again.
      this.pending.add(res);
      setTimeout(() => {
        this.pending.delete(res);
        if (!res.destroyed) res.writeHead(204).end();
      }, this.slowMs).unref();
      return;
    }
    res.writeHead(204).end();
  }

  private store(headers: IncomingHttpHeaders, body: string): void {
    const webhookId = String(headers['webhook-id'] ?? '');
    let event: Record<string, unknown>;
    try {
      if (!this.verifier) throw new Error('no secret');
      event = this.verifier.verify(body, headers as Record<string, string>) as Record<string, unknown>;
    } catch {
      this.tally.badSignatures++;
      return;
    }
    this.tally.stored++;
    if (this.stored.has(webhookId)) {
      this.tally.redeliveries++;
      return;
    }
    this.stored.set(webhookId, {
      webhookId,
      eventId: String(event.id),
      eventType: String(event.type),
      tenantId: String(event.tenantid),
      subject: String(event.subject),
      sequence: String(event.sequence),
    });
    this.tally.distinctWebhookIds = this.stored.size;
  }
}
