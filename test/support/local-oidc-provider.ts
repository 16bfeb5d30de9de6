import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';

// A real OpenID Connect provider on 127.0.0.1 (the `oidc-provider` package, as certified
// providers use it) standing in for Okta in the SSO tests: discovery, JWKS, authorization code
// flow with PKCE, ID tokens with `groups` and `amr`. Its login page is ours (no consent step: the
// client is first-party, as an Okta app integration is), so each test user can carry the `amr`
// the test needs — oidc-provider takes amr from the login result, never from account claims.

export interface TestUser {
  /** The `sub` and the login name. */
  id: string;
  password: string;
  groups: string[];
  /** How this user signs in (RFC 8176): `['pwd', 'mfa']` for MFA, `['pwd']` without. */
  amr: string[];
  email?: string;
}

export interface LocalOidcClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

/** The parts of oidc-provider these tests use (the package ships no types). */
interface ProviderInstance {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<{ uid: string; prompt: { name: string } }>;
  interactionFinished(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, options?: { mergeWithLastSubmission?: boolean }): Promise<void>;
  Grant: new (opts: { accountId: string; clientId: string }) => { addOIDCScope(scope: string): void; save(): Promise<string> };
  on(event: string, listener: (...args: unknown[]) => void): void;
}
type ProviderClass = new (issuer: string, configuration: Record<string, unknown>) => ProviderInstance;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function loginForm(uid: string, error?: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Local IdP sign-in</title></head><body><main>
<h1>Local IdP</h1>${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label>Username <input name="login" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button></form></main></body></html>`;
}

/** A local OpenID Connect provider; start() it, give its issuer to the app, close() it after. */
export class LocalOidcProvider {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private provider: ProviderInstance | undefined;
  private privateJwk: JWK | undefined;
  issuer = '';

  private constructor(
    private readonly users: TestUser[],
    private readonly clients: LocalOidcClient[],
  ) {}

  /** Listens on 127.0.0.1 (a free port) with these users and clients. */
  static async start(opts: { users: TestUser[]; clients: LocalOidcClient[] }): Promise<LocalOidcProvider> {
    const idp = new LocalOidcProvider(opts.users, opts.clients);
    await idp.listen();
    return idp;
  }

  private async listen(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.issuer = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;

    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    this.privateJwk = { ...(await exportJWK(privateKey)), kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };
    // ESM-only and untyped (ProviderInstance above types what is used): a computed specifier, so
    // the compiler does not look for declarations.
    const packageName = 'oidc-provider';
    const Provider = ((await import(packageName)) as { default: ProviderClass }).default;
    const users = this.users;
    this.provider = new Provider(this.issuer, {
      clients: this.clients.map((c) => ({ client_id: c.clientId, client_secret: c.clientSecret, redirect_uris: c.redirectUris, grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' })),
      jwks: { keys: [this.privateJwk] },
      cookies: { keys: [randomBytes(16).toString('hex')] },
      ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
      claims: { acr: null, sid: null, iss: null, openid: ['sub', 'amr', 'auth_time'], email: ['email', 'email_verified'], profile: ['preferred_username', 'name'], groups: ['groups'] },
      // Scope claims in the ID token itself, as Okta puts its groups claim there.
      conformIdTokenClaims: false,
      features: { devInteractions: { enabled: false } },
      pkce: { required: () => true },
      findAccount: (_ctx: unknown, id: string) => {
        const user = users.find((u) => u.id === id);
        if (!user) return undefined;
        return { accountId: id, claims: () => ({ sub: id, preferred_username: id, name: id, email: user.email ?? `${id}@example.test`, email_verified: true, groups: user.groups }) };
      },
      // First-party client: every requested scope is granted without a consent screen.
      loadExistingGrant: async (ctx: { oidc: { client: { clientId: string }; session: { accountId: string }; params: { scope: string } } }) => {
        const grant = new this.provider!.Grant({ accountId: ctx.oidc.session.accountId, clientId: ctx.oidc.client.clientId });
        grant.addOIDCScope(ctx.oidc.params.scope);
        await grant.save();
        return grant;
      },
      renderError: (ctx: { type: string; body: string }, out: Record<string, string>) => {
        ctx.type = 'html';
        ctx.body = `<!doctype html><html lang="en"><title>IdP error</title><body><pre>${escapeHtml(JSON.stringify(out))}</pre></body></html>`;
      },
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const match = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/.exec(req.url?.split('?')[0] ?? '');
      if (!match) return this.provider!.callback()(req, res);
      const details = await this.provider!.interactionDetails(req, res);
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginForm(details.uid));
        return;
      }
      const form = await readForm(req);
      const user = this.users.find((u) => u.id === form.get('login'));
      if (!user || user.password !== form.get('password')) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginForm(details.uid, 'Wrong username or password'));
        return;
      }
      await this.provider!.interactionFinished(req, res, { login: { accountId: user.id, amr: user.amr } }, { mergeWithLastSubmission: false });
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`local IdP error: ${(err as Error).message}`);
    }
  }

  /**
   * A token signed with this provider's own key (published in its JWKS), for the checks a real
   * flow cannot produce on demand: an expired token, another audience.
   */
  async sign(claims: JWTPayload, opts: { expiresIn?: string | number; audience: string }): Promise<string> {
    const { importJWK } = await import('jose');
    const key = await importJWK(this.privateJwk!, 'RS256');
    return new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: this.privateJwk!.kid, typ: 'JWT' })
      .setIssuer(this.issuer)
      .setAudience(opts.audience)
      .setIssuedAt()
      .setExpirationTime(opts.expiresIn ?? '10m')
      .sign(key);
  }

  /**
   * The authorization code flow without a browser (what a CLI's loopback sign-in does): log in
   * as `user`, exchange the code; returns the provider's ID token.
   */
  async idTokenFor(user: TestUser, client: LocalOidcClient): Promise<string> {
    const jar = new Map<string, string>();
    const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const remember = (res: Response) => {
      for (const line of res.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const eq = pair.indexOf('=');
        jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
      }
    };
    const redirectUri = client.redirectUris[client.redirectUris.length - 1];
    const verifier = randomBytes(32).toString('base64url');
    const { createHash } = await import('node:crypto');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const auth = new URL(`${this.issuer}/auth`);
    auth.search = new URLSearchParams({ client_id: client.clientId, response_type: 'code', scope: 'openid profile email groups', redirect_uri: redirectUri, state: 's', nonce: 'n', code_challenge: challenge, code_challenge_method: 'S256' }).toString();

    let url = auth.href;
    let body: URLSearchParams | undefined;
    for (let hop = 0; hop < 10; hop += 1) {
      const res = await fetch(url, { method: body ? 'POST' : 'GET', body, redirect: 'manual', headers: { cookie: cookieHeader(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) } });
      remember(res);
      body = undefined;
      const location = res.headers.get('location');
      if (location?.startsWith(redirectUri)) {
        const code = new URL(location).searchParams.get('code');
        if (!code) throw new Error(`the provider redirected without a code: ${location}`);
        const token = await fetch(`${this.issuer}/token`, {
          method: 'POST',
          headers: { authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }),
        });
        const json = (await token.json()) as { id_token?: string };
        if (!json.id_token) throw new Error(`no id_token from the token endpoint: ${JSON.stringify(json)}`);
        return json.id_token;
      }
      if (location) {
        url = new URL(location, url).href;
        continue;
      }
      const page = await res.text();
      const action = /<form method="post" action="([^"]+)"/.exec(page)?.[1];
      if (!action) throw new Error(`unexpected page at ${url}: ${res.status} ${page.slice(0, 300)}`);
      url = new URL(action, url).href;
      body = new URLSearchParams({ login: user.id, password: user.password });
    }
    throw new Error('the sign-in did not finish within 10 redirects');
  }

  async close(): Promise<void> {
    if (!this.server?.listening) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
