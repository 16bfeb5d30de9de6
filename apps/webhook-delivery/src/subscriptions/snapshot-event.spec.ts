import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { snapshotDeliveryId, snapshotEvent } from './snapshot-event';

const TENANT = '11111111-1111-4111-8111-111111111111';
const USER = '22222222-2222-4222-8222-222222222222';
const SUB_A = '33333333-3333-4333-8333-333333333333';
const SUB_B = '44444444-4444-4444-8444-444444444444';

describe('snapshot deliveries', () => {
  it('the delivery id (webhook-id) is a UUID fixed by subscription, resource and version', () => {
    const id = snapshotDeliveryId(SUB_A, `${TENANT}:${USER}`, 3);
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(snapshotDeliveryId(SUB_A, `${TENANT}:${USER}`, 3), id, 'stable across re-syncs');
    assert.notEqual(snapshotDeliveryId(SUB_B, `${TENANT}:${USER}`, 3), id, 'per subscription');
    assert.notEqual(snapshotDeliveryId(SUB_A, `${TENANT}:${USER}`, 4), id, 'per version');
  });

  it('the event is an idsync.user.snapshot whose sequence is the version it shows', () => {
    const event = snapshotEvent(TENANT, 'User', USER, 3, { id: USER, userName: 'a', meta: { lastModified: '2026-11-24T09:00:00.000Z', version: 'W/"3"' } });
    assert.equal(event.type, 'idsync.user.snapshot');
    assert.equal(event.id, `snapshot:${USER}:3`);
    assert.equal(event.sequence, '000000000003');
    assert.equal(event.time, '2026-11-24T09:00:00.000Z');
    assert.deepEqual((event.data as { changedAttributes: string[] }).changedAttributes, []);
  });
});
