import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type GatewayHarness } from '../scim/scim-harness';

// Rate limits through the real gateway: per tenant (after the token named it) and per client
// address (X-Forwarded-For believed only with TRUST_PROXY), 429 + Retry-After with the SCIM Error
// schema on SCIM routes and plain JSON elsewhere; /health and /metrics exempt; rejections counted.

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const ADMIN_TOKEN = 'rate-limit-admin-token-0123456789';

async function statuses(n: number, call: () => Promise<Response>): Promise<Response[]> {
  const out: Response[] = [];
  for (let i = 0; i < n; i++) out.push(await call());
  return out;
}

async function expectScim429(res: Response): Promise<void> {
  assert.equal(res.status, 429);
  assert.ok(Number(res.headers.get('retry-after')) >= 1, 'Retry-After');
  assert.match(res.headers.get('content-type') ?? '', /application\/scim\+json/);
  const body = (await res.json()) as { schemas: string[]; status: string; detail: string };
  assert.deepEqual(body.schemas, [ERROR_SCHEMA]);
  assert.equal(body.status, '429');
}

describe('rate limits: per tenant, per address (scim-gateway)', () => {
  let gw: GatewayHarness;

  before(async () => {
    // Config is read once per process, so one gateway carries every limit; budgets are sized so the
    // tests below meet the tenant limit first, then the address limit.
    gw = await startGateway({
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      SCIM_RATE_LIMIT_TENANT_RPS: '0.2',
      SCIM_RATE_LIMIT_TENANT_BURST: '5',
      SCIM_RATE_LIMIT_IP_RPS: '0.2',
      SCIM_RATE_LIMIT_IP_BURST: '9',
      ADMIN_RATE_LIMIT_IP_RPS: '0.2',
      ADMIN_RATE_LIMIT_IP_BURST: '4',
    });
  });

  after(async () => {
    await gw?.close();
  });

  it('limits one tenant without touching another tenant on the same address', async () => {
    const a = await gw.tenant();
    const b = await gw.tenant();
    const answers = await statuses(6, () => fetch(`${gw.url}/scim/v2/Users?count=1`, { headers: { authorization: `Bearer ${a.token}` } }));
    assert.deepEqual(answers.map((r) => r.status), [200, 200, 200, 200, 200, 429]);
    await expectScim429(answers[5]!);
    assert.equal((await b.get('/Users?count=1')).status, 200, 'the other tenant is unaffected');
    assert.equal((await fetch(`${gw.url}/health/live`)).status, 200, 'health is exempt');
  });

  it('limits SCIM per client address, ignoring X-Forwarded-For without TRUST_PROXY', async () => {
    const c = await gw.tenant();
    const call = (headers: Record<string, string> = {}) => fetch(`${gw.url}/scim/v2/Users?count=1`, { headers: { authorization: `Bearer ${c.token}`, ...headers } });
    // 7 of this address's 9 were spent above (the refused one too): 2 left, although tenant c has 5.
    const answers = await statuses(3, () => call());
    assert.deepEqual(answers.map((r) => r.status), [200, 200, 429]);
    const body = (await answers[2]!.clone().json()) as { detail: string };
    assert.match(body.detail, /from this client/);
    await expectScim429(answers[2]!);
    assert.equal((await call({ 'x-forwarded-for': '203.0.113.9' })).status, 429, 'a forged X-Forwarded-For does not buy a fresh bucket');
  });

  it('limits the admin API per address with a plain JSON 429, and never /health or /metrics', async () => {
    const answers = await statuses(5, () => fetch(`${gw.url}/admin/tenants`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }));
    assert.deepEqual(answers.map((r) => r.status), [200, 200, 200, 200, 429]);
    assert.ok(Number(answers[4]!.headers.get('retry-after')) >= 1);
    const body = (await answers[4]!.json()) as { statusCode: number; message: string };
    assert.equal(body.statusCode, 429);
    assert.match(body.message, /^Too many requests from this client; retry after \d+ s$/);
    for (let i = 0; i < 10; i++) {
      assert.equal((await fetch(`${gw.url}/health/ready`)).status, 200);
      assert.equal((await fetch(`${gw.url}/metrics`)).status, 200);
    }
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    for (const limit of ['scim-tenant', 'scim-ip', 'admin-ip']) assert.match(metrics, new RegExp(`idsync_http_rate_limited_total\\{limit="${limit}"\\} [1-9]`), limit);
  });
});
