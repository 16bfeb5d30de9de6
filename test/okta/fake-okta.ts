import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake Okta answered (tests assert on these). */
export interface OktaRequestLog {
  at: number;
  method: string;
  path: string;
  status: number;
  /** The rate-limit window (epoch second / windowSeconds) the request fell in. */
  window: number;
  authorization: string | undefined;
}

export interface FakeOktaUser {
  id: string;
  status: string;
  profile: Record<string, unknown>;
}

/**
 * A local HTTP server that behaves like the parts of an Okta org idsync uses: `GET /api/v1/users/{id}`
 * (SSWS or Bearer auth) and `POST /oauth2/v1/token` (client credentials), with Okta's rate-limit
 * headers on every response. Fixed windows of `windowSeconds`; more than `limit` requests in a
 * window, or any request during a "storm", gets 429. Responses can be slowed down per user.
 */
export class FakeOkta {
  readonly users = new Map<string, FakeOktaUser>();
  readonly log: OktaRequestLog[] = [];
  limit = 1_000;
  windowSeconds = 1;
  /** Until this time (ms), every API request gets 429. */
  stormUntil = 0;
  /** The next this-many API requests get 429, whenever they come. */
  stormRequests = 0;
  /** Users whose next `slowCount[id]` responses are delayed by slowMs. */
  readonly slow = new Map<string, number>();
  slowMs = 0;
  ssws = 'fake-ssws-token';
  client = { id: '0oaclient', secret: 'client-secret-value-123' };
  private readonly counts = new Map<number, number>();
  private readonly server: http.Server;
  private issued = 0;

  constructor() {
    this.server = http.createServer((req, res) => void this.handle(req, res));
  }

  /** `http://127.0.0.1:<port>` once started: the org URL. */
  origin = '';

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.origin;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  addUser(id: string, login: string, extra: Record<string, unknown> = {}): FakeOktaUser {
    const user = { id, status: 'ACTIVE', profile: { login, email: login, firstName: 'Test', lastName: id, ...extra } };
    this.users.set(id, user);
    return user;
  }

  apiRequests(filter: (r: OktaRequestLog) => boolean = () => true): OktaRequestLog[] {
    return this.log.filter((r) => r.path.startsWith('/api/v1/users/') && filter(r));
  }

  /** Requests per rate-limit window (all of them, 429s included). */
  requestsPerWindow(): Map<number, number> {
    const out = new Map<number, number>();
    for (const r of this.apiRequests()) out.set(r.window, (out.get(r.window) ?? 0) + 1);
    return out;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const now = Date.now();
    const window = Math.floor(now / 1000 / this.windowSeconds);
    const resetEpochSeconds = (window + 1) * this.windowSeconds;
    const record = (status: number) =>
      this.log.push({ at: now, method: req.method ?? '', path: url.pathname, status, window, authorization: req.headers.authorization });
    for await (const _ of req) void _; // drain the body

    if (req.method === 'POST' && url.pathname === '/oauth2/v1/token') {
      const expected = `Basic ${Buffer.from(`${this.client.id}:${this.client.secret}`).toString('base64')}`;
      if (req.headers.authorization !== expected) return this.send(res, 401, { error: 'invalid_client' }, record);
      return this.send(res, 200, { token_type: 'Bearer', access_token: `at-${++this.issued}`, expires_in: 3600, scope: 'okta.users.read' }, record);
    }

    const match = /^\/api\/v1\/users\/([A-Za-z0-9]+)$/.exec(url.pathname);
    if (req.method !== 'GET' || !match) return this.send(res, 404, { errorCode: 'E0000022' }, record);
    const auth = req.headers.authorization ?? '';
    if (auth !== `SSWS ${this.ssws}` && !/^Bearer at-\d+$/.test(auth)) return this.send(res, 401, { errorCode: 'E0000011' }, record);

    const count = (this.counts.get(window) ?? 0) + 1;
    this.counts.set(window, count);
    res.setHeader('X-Rate-Limit-Limit', String(this.limit));
    res.setHeader('X-Rate-Limit-Remaining', String(Math.max(0, this.limit - count)));
    res.setHeader('X-Rate-Limit-Reset', String(resetEpochSeconds));
    const inStorm = now < this.stormUntil || this.stormRequests > 0;
    if (this.stormRequests > 0) this.stormRequests--;
    if (inStorm || count > this.limit) return this.send(res, 429, { errorCode: 'E0000047', errorSummary: 'API call exceeded rate limit due to too many requests.' }, record);

    const id = match[1];
    const pendingSlow = this.slow.get(id) ?? 0;
    if (pendingSlow > 0) {
      // Logged on arrival (status 0): the client may well have given up before the answer.
      this.slow.set(id, pendingSlow - 1);
      record(0);
      await new Promise((r) => setTimeout(r, this.slowMs));
      // A client that waited gets its answer (so only a client-side timeout leads to a second request).
      const slowUser = this.users.get(id);
      if (!res.destroyed) res.writeHead(slowUser ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(slowUser ?? { errorCode: 'E0000007' }));
      return;
    }
    const user = this.users.get(id);
    if (!user) return this.send(res, 404, { errorCode: 'E0000007' }, record);
    return this.send(res, 200, { id: user.id, status: user.status, profile: user.profile }, record);
  }

  private send(res: http.ServerResponse, status: number, body: unknown, record: (status: number) => void): void {
    record(status);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}
