import { EnvelopeCipher } from '@idsync/crypto';
import { startPipeline, type PipelineHarness } from '../pipeline/pipeline-harness';

export const ADMIN_TOKEN = 'okta-e2e-admin-token-0123456789';

export interface HttpResult {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function call(url: string, init: RequestInit): Promise<HttpResult> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: Record<string, unknown>;
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = { text };
  }
  return { status: res.status, headers: res.headers, body };
}

export interface OktaPipeline extends PipelineHarness {
  /** The admin API of the gateway (ADMIN_API_TOKEN set). */
  admin(method: string, path: string, body?: unknown): Promise<HttpResult>;
  /** POST /hooks/okta/{tenant} with the given auth header value. */
  deliver(tenant: string, body: unknown, auth: string | undefined, headers?: Record<string, string>): Promise<HttpResult>;
  /** GET /hooks/okta/{tenant} (verification). */
  verify(tenant: string, challenge: string | undefined, auth: string | undefined): Promise<HttpResult>;
  count(sql: string, params?: unknown[]): Promise<number>;
}

/**
 * scim-gateway + sync-worker in-process (test/pipeline's harness) with an admin token and a key
 * ring, so Okta hooks and API access can be configured through the real admin API.
 */
export async function startOktaPipeline(label: string, env: Record<string, string> = {}): Promise<OktaPipeline> {
  const pipeline = await startPipeline(label, {
    ADMIN_API_TOKEN: ADMIN_TOKEN,
    ENCRYPTION_KEYS: `k1:${EnvelopeCipher.generateKey()}`,
    ENCRYPTION_ACTIVE_KEY_ID: 'k1',
    ...env,
  });
  const url = pipeline.gateway.url;
  return Object.assign(pipeline, {
    admin: (method: string, path: string, body?: unknown) =>
      call(`${url}/admin${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    deliver: (tenant: string, body: unknown, auth: string | undefined, headers: Record<string, string> = {}) =>
      call(`${url}/hooks/okta/${tenant}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(auth !== undefined ? { authorization: auth } : {}), ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    verify: (tenant: string, challenge: string | undefined, auth: string | undefined) =>
      call(`${url}/hooks/okta/${tenant}`, {
        method: 'GET',
        headers: { ...(auth !== undefined ? { authorization: auth } : {}), ...(challenge !== undefined ? { 'x-okta-verification-challenge': challenge } : {}) },
      }),
    async count(sql: string, params: unknown[] = []) {
      const [row] = (await pipeline.gateway.dataSource.query(sql, params)) as Array<{ n: string | number }>;
      return Number(row.n);
    },
  });
}
