import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, createServer, type SecureVersion, type Server as TlsServer } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { startGateway, type GatewayHarness } from '../scim/scim-harness';

// The gateway terminating TLS itself (TLS_CERT_FILE/TLS_KEY_FILE): TLS 1.1 refused, 1.2 and 1.3
// accepted, HSTS on responses, SCIM over HTTPS. Same code path as the other apps (createIdsyncApp).

/** A self-signed certificate for 127.0.0.1/localhost, made with the system's openssl. */
function makeCertificate(dir: string): { cert: string; key: string } {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ], { stdio: 'ignore' });
  return { cert, key };
}

/** Handshake with exactly one protocol version; resolves with the negotiated version or the error. */
function handshake(port: number, ca: Buffer, version: SecureVersion): Promise<{ ok: true; protocol: string } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      ca,
      servername: 'localhost',
      minVersion: version,
      maxVersion: version,
      // SECLEVEL=0 lets OpenSSL 3 offer TLS 1.0/1.1 at all: without it the refusal would be the client's own.
      ciphers: 'DEFAULT@SECLEVEL=0',
    });
    socket.once('secureConnect', () => {
      const protocol = socket.getProtocol() ?? '';
      socket.end();
      resolve({ ok: true, protocol });
    });
    socket.once('error', (err) => resolve({ ok: false, error: err.message }));
  });
}

describe('TLS termination in the apps', () => {
  let dir: string;
  let pair: { cert: string; key: string };
  let gw: GatewayHarness;
  let port: number;
  let control: TlsServer;
  let controlPort: number;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'idsync-tls-'));
    pair = makeCertificate(dir);
    gw = await startGateway({ TLS_CERT_FILE: pair.cert, TLS_KEY_FILE: pair.key, ADMIN_API_TOKEN: 'tls-admin-token' });
    port = Number(new URL(gw.url).port);
    // Control server that allows TLS 1.0+: proves the TLS 1.1 client below can connect where it is allowed.
    control = createServer({ cert: readFileSync(pair.cert), key: readFileSync(pair.key), minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' }, (s) => s.end());
    await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
    controlPort = (control.address() as { port: number }).port;
  });

  after(async () => {
    await gw?.close();
    control?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves HTTPS on the configured certificate', () => {
    assert.match(gw.url, /^https:/);
  });

  it('refuses TLS 1.1 (which the same client negotiates with a server that allows it) and accepts 1.2 and 1.3', async () => {
    const ca = readFileSync(pair.cert);
    const controlResult = await handshake(controlPort, ca, 'TLSv1.1');
    assert.deepEqual(controlResult, { ok: true, protocol: 'TLSv1.1' }, 'the TLS 1.1 client must work against a permissive server');

    const refused = await handshake(port, ca, 'TLSv1.1');
    assert.equal(refused.ok, false, 'the gateway accepted TLS 1.1');
    assert.deepEqual(await handshake(port, ca, 'TLSv1.2'), { ok: true, protocol: 'TLSv1.2' });
    assert.deepEqual(await handshake(port, ca, 'TLSv1.3'), { ok: true, protocol: 'TLSv1.3' });
  });

  it('answers SCIM over HTTPS with HSTS, on the SCIM and the admin API', async () => {
    const client = await gw.tenant('tls-tenant');
    const ca = readFileSync(pair.cert);
    const get = (p: string, token: string) =>
      new Promise<{ status: number; hsts: string | undefined; body: string }>((resolve, reject) => {
        const req = httpsRequest({ host: '127.0.0.1', port, path: p, ca, servername: 'localhost', headers: { authorization: `Bearer ${token}` } }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString('utf8')));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, hsts: res.headers['strict-transport-security'] as string | undefined, body }));
        });
        req.on('error', reject);
        req.end();
      });
    const scim = await get('/scim/v2/Users', client.token);
    assert.equal(scim.status, 200, scim.body);
    assert.equal(JSON.parse(scim.body).totalResults, 0);
    assert.equal(scim.hsts, 'max-age=31536000; includeSubDomains');
    const admin = await get('/admin/tenants', 'tls-admin-token');
    assert.equal(admin.status, 200, admin.body);
    assert.equal(admin.hsts, 'max-age=31536000; includeSubDomains');
  });
});
