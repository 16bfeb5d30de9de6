import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { decideOutcome } from './delivery-outcome';
import { customHeaderProblems, endpointUrlProblem } from './endpoint-rules';
import { subscribesTo } from './event-type-pattern';
import { identityEventFromKafkaRecord, InvalidIdentityEventError } from './identity-cloud-event';
import { RetrySchedule } from './retry-schedule';
import { generateSigningSecret, signStandardWebhook } from './standard-webhooks-signer';

describe('event type patterns', () => {
  it('matches exact types, trailing wildcards and *', () => {
    assert.ok(subscribesTo(['idsync.user.created'], 'idsync.user.created'));
    assert.ok(!subscribesTo(['idsync.user.created'], 'idsync.user.updated'));
    assert.ok(subscribesTo(['idsync.user.*'], 'idsync.user.deleted'));
    assert.ok(!subscribesTo(['idsync.user.*'], 'idsync.usergroup.created'));
    assert.ok(subscribesTo(['idsync.group.*'], 'idsync.group.member.added'));
    assert.ok(subscribesTo(['*'], 'idsync.group.deleted'));
    assert.ok(subscribesTo(['idsync.group.created', 'idsync.user.*'], 'idsync.user.created'));
  });
});

describe('RetrySchedule', () => {
  it('gives the delay before each next attempt, with bounded jitter, then nothing', () => {
    const schedule = RetrySchedule.parse('0,5000,300000', 0.1);
    assert.equal(schedule.maxAttempts, 3);
    assert.equal(schedule.initialDelayMs, 0);
    assert.equal(schedule.delayAfter(1, () => 0), 5000);
    assert.equal(schedule.delayAfter(1, () => 1), 5500);
    assert.equal(schedule.delayAfter(2, () => 0.5), 315000);
    assert.equal(schedule.delayAfter(3), undefined);
    assert.throws(() => RetrySchedule.parse('0,-1', 0));
  });

  it('decides delivered / disable / retry / failed', () => {
    const schedule = RetrySchedule.parse('0,10', 0);
    const at = { startedAt: new Date(), durationMs: 1 };
    assert.deepEqual(decideOutcome({ ...at, statusCode: 204 }, 1, schedule), { kind: 'delivered' });
    assert.deepEqual(decideOutcome({ ...at, statusCode: 410 }, 1, schedule), { kind: 'endpoint-gone' });
    assert.deepEqual(decideOutcome({ ...at, statusCode: 301 }, 1, schedule), { kind: 'retry', delayMs: 10 });
    assert.deepEqual(decideOutcome({ ...at, error: 'timeout' }, 1, schedule), { kind: 'retry', delayMs: 10 });
    assert.deepEqual(decideOutcome({ ...at, statusCode: 500 }, 2, schedule), { kind: 'failed' });
  });
});

describe('Standard Webhooks signing', () => {
  it('produces signatures the standardwebhooks library verifies, one per secret', () => {
    const [oldSecret, newSecret] = [generateSigningSecret(), generateSigningSecret()];
    assert.match(newSecret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    const body = JSON.stringify({ hello: 'world' });
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = signStandardWebhook([newSecret, oldSecret], 'msg_1', timestamp, body);
    assert.equal(signature.split(' ').length, 2);
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
    for (const secret of [oldSecret, newSecret]) assert.deepEqual(new Webhook(secret).verify(body, headers), { hello: 'world' });
    assert.throws(() => new Webhook(generateSigningSecret()).verify(body, headers));
    assert.throws(() => new Webhook(newSecret).verify(body.replace('world', 'w0rld'), headers));
  });
});

describe('identityEventFromKafkaRecord', () => {
  const tenant = '6f1c3f5e-9f55-4d62-8d8e-1d0f0c2b7a11';
  it('maps ce_* headers to attributes and the value to data', () => {
    const event = identityEventFromKafkaRecord(
      { ce_id: 'e1', ce_type: 'idsync.user.created', ce_source: '/idsync', ce_specversion: '1.0', ce_subject: 'Users/u1', ce_tenantid: tenant, ce_time: '2026-01-01T00:00:00Z', 'content-type': 'application/json' },
      { resourceId: 'u1' },
      `${tenant}:u1`,
    );
    assert.equal(event.tenantId, tenant);
    assert.equal(event.subjectKey, `${tenant}:u1`);
    assert.deepEqual(event.cloudEvent, {
      specversion: '1.0', id: 'e1', type: 'idsync.user.created', source: '/idsync', subject: 'Users/u1', tenantid: tenant,
      time: '2026-01-01T00:00:00Z', datacontenttype: 'application/json', data: { resourceId: 'u1' },
    });
  });

  it('refuses records without the required attributes', () => {
    assert.throws(() => identityEventFromKafkaRecord({ ce_id: 'e1' }, {}, null), InvalidIdentityEventError);
    assert.throws(() => identityEventFromKafkaRecord({ ce_id: 'e', ce_type: 't', ce_source: 's', ce_specversion: '1.0', ce_tenantid: 'x' }, {}, null), InvalidIdentityEventError);
  });
});

describe('endpoint rules', () => {
  it('accepts https, http only when allowed, never credentials in the URL', () => {
    assert.equal(endpointUrlProblem('https://hooks.example.com/x', false), undefined);
    assert.match(endpointUrlProblem('http://hooks.example.com/x', false) ?? '', /https/);
    assert.equal(endpointUrlProblem('http://hooks.example.com/x', true), undefined);
    assert.match(endpointUrlProblem('ftp://hooks.example.com/x', true) ?? '', /http or https/);
    assert.match(endpointUrlProblem('https://u:p@hooks.example.com/x', false) ?? '', /credentials/);
    assert.match(endpointUrlProblem('nope', false) ?? '', /valid URL/);
  });

  it('refuses custom headers that would override ours or inject lines', () => {
    assert.deepEqual(customHeaderProblems({ 'X-Api-Key': 'abc', Authorization: 'Bearer t' }), []);
    assert.equal(customHeaderProblems({ 'Webhook-Signature': 'v1,forged' }).length, 1);
    assert.equal(customHeaderProblems({ 'content-type': 'text/plain' }).length, 1);
    assert.equal(customHeaderProblems({ Host: 'internal' }).length, 1);
    assert.equal(customHeaderProblems({ 'X-A': 'a\r\nX-B: b' }).length, 1);
    assert.equal(customHeaderProblems({ 'bad name': 'x' }).length, 1);
    assert.equal(customHeaderProblems({ 'X-Num': 5 }).length, 1);
  });
});
