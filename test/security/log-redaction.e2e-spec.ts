import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { EnvelopeCipher } from '@idsync/crypto';
import { createTestDatabase, testKafkaBrokers, uniqueTopicPrefix, waitFor, type TestDatabase } from '@idsync/testing';
import { ADMIN_TOKEN, adminTenant, PATCH_OP, USER_SCHEMA } from '../faults/fault-helpers';
import { ScimClient } from '../scim/scim-harness';
import { startAppProcess, stopAllAppProcesses, type AppProcess } from '../support/app-process';
import { TestReceiver } from '../webhooks/webhook-harness';

// No PII or secret in any log line: the three apps run as real processes at LOG_LEVEL=debug and
// every byte they write is kept. A user with a distinctive email, phone number and password is
// provisioned, patched, delivered to a webhook endpoint (which first fails with a body echoing the
// payload, as misbehaving receivers do), and a few errors are provoked with those values in the
// request (a filter naming the email, a duplicate userName, a PATCH path naming the phone, a
// wrong token). Then every line of every app is searched for each value: zero hits.
const START_TIMEOUT_MS = 180_000;
const tag = randomBytes(5).toString('hex');
const EMAIL = `leak.canary.${tag}@redaction-test.example`;
const PHONE = `+1-555-${String(1000 + (randomBytes(2).readUInt16BE() % 9000))}-${String(1000 + (randomBytes(2).readUInt16BE() % 9000))}`;
const PASSWORD = `Pw-${randomBytes(9).toString('hex')}!`;
const WRONG_TOKEN = `wrong-token-${randomBytes(12).toString('hex')}`;

describe('logs: no PII or secret in any line of any app at LOG_LEVEL=debug', { timeout: 420_000 }, () => {
  let db: TestDatabase;
  let endpoint: TestReceiver;
  let gateway: AppProcess;
  let webhooks: AppProcess;
  let scim: ScimClient & { tenantId: string };
  let webhookSecret = '';
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'idsync-log-redaction-'));
  const logFiles = ['scim-gateway', 'sync-worker', 'webhook-delivery'].map((app) => path.join(logDir, `${app}.log`));

  before(async () => {
    db = await createTestDatabase('logredact');
    const prefix = uniqueTopicPrefix('logredact');
    // The endpoint fails twice with a body echoing what it got, then accepts.
    endpoint = await TestReceiver.start((n, _req) => (n <= 2 ? { status: 500, body: `could not process ${endpoint.requests.at(-1)?.body ?? ''}` } : 204));
    const common = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: testKafkaBrokers(),
      KAFKA_TOPIC_PREFIX: prefix,
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      LOG_LEVEL: 'debug',
    };
    [gateway, , webhooks] = await Promise.all([
      startAppProcess({ app: 'scim-gateway', env: { ...common, OUTBOX_POLL_MS: '200' }, startTimeoutMs: START_TIMEOUT_MS, logFile: logFiles[0] }),
      startAppProcess({ app: 'sync-worker', env: { ...common, WORKER_GROUP_ID: `${prefix}-worker` }, startTimeoutMs: START_TIMEOUT_MS, logFile: logFiles[1] }),
      startAppProcess({
        app: 'webhook-delivery',
        env: {
          ...common,
          WEBHOOK_GROUP_ID: `${prefix}-webhook`,
          ENCRYPTION_KEYS: `k1:${EnvelopeCipher.generateKey()}`,
          ENCRYPTION_ACTIVE_KEY_ID: 'k1',
          WEBHOOK_ALLOW_HTTP: 'true',
          WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
          WEBHOOK_POLL_MS: '100',
          WEBHOOK_RETRY_SCHEDULE_MS: '0,200,200,200,200,200,200,200',
          WEBHOOK_RETRY_JITTER: '0',
        },
        startTimeoutMs: START_TIMEOUT_MS,
        logFile: logFiles[2],
      }),
    ]);
    scim = await adminTenant(gateway.url, `logredact-${tag}`);
    const sub = await fetch(`${webhooks.url}/admin/subscriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: scim.tenantId, url: endpoint.url, eventTypes: ['idsync.user.*'] }),
    });
    const subText = await sub.text();
    assert.equal(sub.status, 201, subText);
    webhookSecret = String((JSON.parse(subText) as Record<string, unknown>).secret ?? '');
    assert.ok(webhookSecret.length > 10, 'the subscription answer carries the signing secret');
  });

  after(async () => {
    await stopAllAppProcesses();
    await endpoint?.close();
    await db?.drop();
    fs.rmSync(logDir, { recursive: true, force: true });
  });

  it('provisions, patches, delivers and fails without writing the email, phone, password, SCIM token or webhook secret', async () => {
    const created = await scim.post('/Users', {
      schemas: [USER_SCHEMA],
      userName: EMAIL,
      password: PASSWORD,
      name: { givenName: 'Leak', familyName: 'Canary' },
      emails: [{ value: EMAIL, type: 'work', primary: true }],
      phoneNumbers: [{ value: PHONE, type: 'mobile' }],
    });
    assert.equal(created.status, 201, created.text);
    const id = String(created.body.id);

    const patched = await scim.patch(`/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'replace', path: 'title', value: `Canary of ${EMAIL}` },
        { op: 'replace', path: 'password', value: PASSWORD },
      ],
    });
    assert.equal(patched.status, 200, patched.text);

    // Errors whose requests carry the values.
    const badFilter = await scim.get(`/Users?filter=${encodeURIComponent(`emails.value eq "${EMAIL}" and (`)}`);
    assert.equal(badFilter.status, 400, badFilter.text);
    const duplicate = await scim.post('/Users', { schemas: [USER_SCHEMA], userName: EMAIL, password: PASSWORD });
    assert.equal(duplicate.status, 409, duplicate.text);
    const badPath = await scim.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: `phoneNumbers[value eq "${PHONE}"`, value: PHONE }] });
    assert.equal(badPath.status, 400, badPath.text);
    const badType = await scim.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: EMAIL }] });
    assert.equal(badType.status, 400, badType.text);
    const wrongToken = await new ScimClient(gateway.url, WRONG_TOKEN).get(`/Users?filter=${encodeURIComponent(`userName eq "${EMAIL}"`)}`);
    assert.equal(wrongToken.status, 401, wrongToken.text);
    const badAdmin = await fetch(`${webhooks.url}/admin/subscriptions`, { headers: { authorization: `Bearer ${WRONG_TOKEN}`, cookie: `session=${WRONG_TOKEN}` } });
    assert.equal(badAdmin.status, 401);

    // The events reach the endpoint (after two failures whose bodies echo the payload).
    await waitFor(() => endpoint.requests.filter((r) => r.body.includes(EMAIL)).length >= 3 || undefined, { timeoutMs: 90_000, what: 'three deliveries carrying the user' });
    assert.ok(endpoint.requests.some((r) => r.body.includes(PHONE)), 'the webhook payload carries the phone number (the values are in the data, not just absent)');
    // Let debug lines of the last deliveries and commits be written.
    await new Promise((r) => setTimeout(r, 1_500));
    await stopAllAppProcesses();

    const needles: Array<[string, string]> = [
      ['email', EMAIL],
      ['email local part', EMAIL.split('@')[0]],
      ['phone', PHONE],
      ['phone digits', PHONE.replace(/\D/g, '')],
      ['password', PASSWORD],
      ['SCIM token', scim.token],
      ['wrong bearer token', WRONG_TOKEN],
      ['admin token', ADMIN_TOKEN],
      ['webhook secret', webhookSecret],
      ['webhook secret key', webhookSecret.replace(/^whsec_/, '')],
    ];
    let lines = 0;
    const hits: string[] = [];
    for (const file of logFiles) {
      const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
      const fileLines = text.split('\n').filter(Boolean);
      lines += fileLines.length;
      for (const line of fileLines) {
        for (const [what, value] of needles) {
          if (line.toLowerCase().includes(value.toLowerCase())) hits.push(`${path.basename(file)}: ${what} in ${line.slice(0, 400)}`);
        }
      }
    }
    // The capture is real: debug logging produced lines from every app.
    for (const file of logFiles) assert.ok(fs.existsSync(file) && fs.statSync(file).size > 0, `${path.basename(file)} wrote log lines`);
    assert.ok(lines > 20, `captured ${lines} log lines`);
    assert.deepEqual(hits, [], `${hits.length} log line(s) leak PII or secrets`);

    // The request lines are there, in their documented shape: id, method, path without the query,
    // status and duration (libs/platform/src/logging/request-logging.ts).
    type RequestLine = { msg: string; req?: { id: number; method: string; path: string }; res?: { statusCode: number }; responseTime?: number };
    const requestLines = (file: string): RequestLine[] =>
      fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as RequestLine)
        .filter((l) => l.msg === 'request completed' || l.msg === 'request errored');
    const gatewayLines = requestLines(logFiles[0]);
    const seen = gatewayLines.map((l) => `${l.req?.method} ${l.req?.path} ${l.res?.statusCode}`);
    for (const expected of ['POST /scim/v2/Users 201', 'POST /scim/v2/Users 409', 'GET /scim/v2/Users 400', 'GET /scim/v2/Users 401', `PATCH /scim/v2/Users/${id} 200`]) {
      assert.ok(seen.includes(expected), `a request line "${expected}" in ${seen.join(', ')}`);
    }
    for (const line of gatewayLines) {
      assert.ok(Number.isInteger(line.req?.id) && typeof line.responseTime === 'number', JSON.stringify(line));
      assert.ok(!('headers' in (line.req ?? {})) && !('headers' in (line.res ?? {})), `no headers in request lines: ${JSON.stringify(line)}`);
    }
    assert.ok(requestLines(logFiles[2]).some((l) => l.req?.method === 'GET' && l.req.path === '/admin/subscriptions' && l.res?.statusCode === 401), 'webhook-delivery writes request lines too');
  });
});
