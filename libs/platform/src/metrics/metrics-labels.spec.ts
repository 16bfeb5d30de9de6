import 'reflect-metadata';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Admin } from 'kafkajs';
import type { Request } from 'express';
import { fetchConsumerLag } from './consumer-lag';
import { routeTemplate } from './http-metrics';

const request = (route: unknown, baseUrl = ''): Request => ({ route, baseUrl }) as unknown as Request;
const handler = (name: string) => ({ handle: { name } });

describe('routeTemplate', () => {
  it('is the declared route of a controller endpoint, never the URL', () => {
    assert.equal(routeTemplate(request({ path: '/scim/v2/Users/:id', stack: [handler('UsersController.get')] })), '/scim/v2/Users/:id');
    assert.equal(routeTemplate(request({ path: '/scim/v2/Me/*path', stack: [handler('DiscoveryController.me')] })), '/scim/v2/Me/*path');
    assert.equal(routeTemplate(request({ path: '/:id', stack: [handler('X.y')] }, '/mounted')), '/mounted/:id');
  });

  it('is "unmatched" when no route, or only wildcard middleware routes (forRoutes) saw the request', () => {
    assert.equal(routeTemplate(request(undefined)), 'unmatched');
    assert.equal(routeTemplate(request({ path: '{/*splat}', stack: [handler('handler')] })), 'unmatched');
    assert.equal(routeTemplate(request({ path: '/scim/{*path}', stack: [handler('handler')] })), 'unmatched');
  });

  it('keeps exact non-controller routes (e.g. /docs/openapi.json): a fixed path is bounded', () => {
    assert.equal(routeTemplate(request({ path: '/docs/openapi.json', stack: [handler('')] })), '/docs/openapi.json');
  });
});

describe('fetchConsumerLag', () => {
  const admin = (committed: Record<number, string>, marks: { partition: number; low: string; high: string }[]) =>
    ({
      fetchOffsets: async () => [{ topic: 't', partitions: Object.entries(committed).map(([p, offset]) => ({ partition: Number(p), offset })) }],
      fetchTopicOffsets: async () => marks.map((m) => ({ ...m, offset: m.high })),
    }) as unknown as Admin;

  it('is high watermark minus committed offset per partition; a never-committed partition counts from its low watermark', async () => {
    const lags = await fetchConsumerLag(
      admin({ 0: '10', 1: '-1', 2: '7' }, [
        { partition: 0, low: '0', high: '15' },
        { partition: 1, low: '4', high: '9' },
        { partition: 2, low: '0', high: '7' },
        { partition: 3, low: '0', high: '2' },
      ]),
      { groupId: 'g', topics: ['t'] },
    );
    assert.deepEqual(
      lags.map((l) => [l.partition, l.lag]),
      [
        [0, 5],
        [1, 5],
        [2, 0],
        [3, 2],
      ],
    );
    assert.ok(lags.every((l) => l.group === 'g' && l.topic === 't'));
  });
});
