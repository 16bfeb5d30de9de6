import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ReceivedRecord } from '../kafka/received-record';
import { deadLetterMessage } from './dead-letter-message';

describe('deadLetterMessage', () => {
  it('keeps key, value and headers and adds the error and origin headers', () => {
    const record = new ReceivedRecord('p.idsync.scim.changes.v1', 4, '17', Buffer.from('t:r'), Buffer.from('not json'), { 'idsync-change-id': Buffer.from('c1') }, async () => undefined);
    const message = deadLetterMessage(record, 'x'.repeat(5_000), new Date('2026-01-02T03:04:05.000Z'));
    assert.deepEqual(message.key, Buffer.from('t:r'));
    assert.deepEqual(message.value, Buffer.from('not json'));
    const headers = message.headers ?? {};
    assert.deepEqual(headers['idsync-change-id'], Buffer.from('c1'));
    assert.equal(headers['idsync-dlq-original-topic'], 'p.idsync.scim.changes.v1');
    assert.equal(headers['idsync-dlq-original-partition'], '4');
    assert.equal(headers['idsync-dlq-original-offset'], '17');
    assert.equal(headers['idsync-dlq-failed-at'], '2026-01-02T03:04:05.000Z');
    assert.equal(String(headers['idsync-dlq-error']).length, 1_000);
  });

  it('keeps a null value (a tombstone on the input) as null', () => {
    const record = new ReceivedRecord('t', 0, '1', null, null, {}, async () => undefined);
    assert.equal(deadLetterMessage(record, 'record value is null', new Date()).value, null);
  });
});
