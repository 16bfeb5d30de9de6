import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from 'kafkajs';
import { estimatedMessageBytes, splitIntoProduceRequests, type ProduceRequest } from './produce-request-splitter';

/** A message of exactly `bytes` estimated bytes (1-byte key, the rest value). */
const sized = (bytes: number, tag = ''): Message => ({ key: 'k', value: tag.padEnd(bytes - 1, '.') });
const shape = (requests: ProduceRequest[]) => requests.map((r) => r.topicMessages.map(({ topic, messages }) => `${topic}:${messages.length}`));

describe(splitIntoProduceRequests.name, () => {
  it('estimates key + value + header names and values in bytes (UTF-8, Buffers by length)', () => {
    assert.equal(estimatedMessageBytes({ key: 'ab', value: 'é', headers: { h: 'xyz', list: ['1', Buffer.from('22')] } }), 2 + 2 + 1 + 3 + 4 + 1 + 2);
    assert.equal(estimatedMessageBytes({ key: null, value: null }), 0);
  });

  it('keeps a batch under the budget in one request, unchanged', () => {
    const batch = [
      { topic: 'events', messages: [sized(100), sized(100)] },
      { topic: 'groups', messages: [sized(100)] },
    ];
    assert.deepEqual(splitIntoProduceRequests(batch, 1_000), [{ topicMessages: batch, bytes: 300 }]);
  });

  it('cuts at the budget and keeps each topic order across requests', () => {
    const events = Array.from({ length: 10 }, (_, i) => sized(100, `e${i}`));
    const requests = splitIntoProduceRequests(
      [
        { topic: 'events', messages: events },
        { topic: 'groups', messages: [sized(100, 'g0')] },
      ],
      450,
    );
    assert.deepEqual(shape(requests), [['events:4'], ['events:4'], ['events:2', 'groups:1']]);
    assert.deepEqual(
      requests.flatMap((r) => r.topicMessages).filter((t) => t.topic === 'events').flatMap((t) => t.messages),
      events,
    );
    assert.deepEqual(
      requests.map((r) => r.bytes),
      [400, 400, 300],
    );
  });

  it('sends a message larger than the budget alone, between its neighbours', () => {
    const requests = splitIntoProduceRequests([{ topic: 'groups', messages: [sized(100, 'a'), sized(5_000, 'big'), sized(100, 'b')] }], 1_000);
    assert.deepEqual(shape(requests), [['groups:1'], ['groups:1'], ['groups:1']]);
    assert.equal(String(requests[1].topicMessages[0].messages[0].value).slice(0, 3), 'big');
    assert.equal(requests[1].bytes, 5_000);
  });

  it('yields no request for an empty batch', () => {
    assert.deepEqual(splitIntoProduceRequests([]), []);
    assert.deepEqual(splitIntoProduceRequests([{ topic: 'events', messages: [] }]), []);
  });

  it('splits 1,500 member events of ~1 KB into requests of at most 512 KiB by default', () => {
    const requests = splitIntoProduceRequests([{ topic: 'events', messages: Array.from({ length: 1_500 }, () => sized(1_000)) }]);
    assert.deepEqual(
      requests.map((r) => r.topicMessages[0].messages.length),
      [524, 524, 452],
    );
  });
});
