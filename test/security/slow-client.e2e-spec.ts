import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startGateway, type GatewayHarness } from '../scim/scim-harness';

// Slow-loris: a client that trickles its headers is cut off after HTTP_HEADERS_TIMEOUT_MS (Node checks
// open connections every 30 s, so the cut comes within timeout + 30 s), while other clients are served.

describe('slow clients are cut off without affecting others', () => {
  let gw: GatewayHarness;

  before(async () => {
    gw = await startGateway({ HTTP_HEADERS_TIMEOUT_MS: '2000', HTTP_REQUEST_TIMEOUT_MS: '4000' });
  });
  after(async () => gw?.close());

  it('closes a connection that trickles headers, with a 408 SCIM error, and keeps serving', async () => {
    const { port } = new URL(gw.url);
    const socket: Socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
    socket.write('GET /scim/v2/Users HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const started = Date.now();
    let sent = 0;
    // One header byte every 250 ms: never completes the headers. Bounded: stops after 60 s at the latest.
    const trickle = setInterval(() => {
      if (socket.destroyed || Date.now() - started > 60_000) return clearInterval(trickle);
      socket.write(sent++ === 0 ? 'X-Slow: ' : 'a');
    }, 250);

    // Meanwhile a normal client is answered at once.
    const client = await gw.tenant('slow-client-neighbour');
    const res = await client.get('/Users');
    assert.equal(res.status, 200);

    const closedAt = await Promise.race([closed, new Promise<number>((resolve) => setTimeout(() => resolve(-1), 45_000))]);
    clearInterval(trickle);
    socket.destroy();
    assert.notEqual(closedAt, -1, 'the trickling connection was still open after 45 s');
    assert.match(received, /^HTTP\/1\.1 408 /, `expected a 408, got ${JSON.stringify(received.slice(0, 200))}`);
    assert.match(received, /urn:ietf:params:scim:api:messages:2\.0:Error/);
  });
});
