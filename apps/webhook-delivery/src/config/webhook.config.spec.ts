import 'reflect-metadata';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EnvelopeCipher } from '@idsync/crypto';
import { ConfigValidationError, loadConfig } from '@idsync/platform';
import { WebhookConfig } from './webhook.config';

function problems(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(WebhookConfig, env);
  } catch (err) {
    assert.ok(err instanceof ConfigValidationError);
    return err.message;
  }
  assert.fail('the configuration was accepted');
}

describe('WebhookConfig', () => {
  it('starts with defaults: no key ring, https only, nothing allow-listed, the documented schedule', () => {
    const config = loadConfig(WebhookConfig, {});
    assert.equal(config.ENCRYPTION_KEYS, '');
    assert.equal(config.WEBHOOK_ALLOW_HTTP, false);
    assert.equal(config.WEBHOOK_ALLOWED_CIDRS, '');
    assert.equal(config.WEBHOOK_RETRY_SCHEDULE_MS, '0,5000,300000,1800000,7200000,18000000,36000000,36000000');
  });

  it('accepts a valid key ring and allow-list', () => {
    const config = loadConfig(WebhookConfig, {
      ENCRYPTION_KEYS: `a:${EnvelopeCipher.generateKey()},b:${EnvelopeCipher.generateKey()}`,
      ENCRYPTION_ACTIVE_KEY_ID: 'b',
      WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32,::1/128',
      WEBHOOK_ALLOW_HTTP: 'true',
    });
    assert.equal(config.WEBHOOK_ALLOW_HTTP, true);
  });

  it('rejects a bad key ring at start-up without echoing key material', () => {
    const short = Buffer.alloc(16, 9).toString('base64');
    const message = problems({ ENCRYPTION_KEYS: `k1:${short}`, ENCRYPTION_ACTIVE_KEY_ID: 'k1' });
    assert.match(message, /ENCRYPTION_KEYS key "k1" must be 32 bytes/);
    assert.ok(!message.includes(short));
    const key = EnvelopeCipher.generateKey();
    const wrongActive = problems({ ENCRYPTION_KEYS: `k1:${key}`, ENCRYPTION_ACTIVE_KEY_ID: 'k2' });
    assert.match(wrongActive, /ENCRYPTION_ACTIVE_KEY_ID "k2"/);
    assert.ok(!wrongActive.includes(key));
  });

  it('rejects malformed allow-lists and schedules', () => {
    assert.match(problems({ WEBHOOK_ALLOWED_CIDRS: '10.0.0.0' }), /WEBHOOK_ALLOWED_CIDRS/);
    assert.match(problems({ WEBHOOK_RETRY_SCHEDULE_MS: '0,5s' }), /WEBHOOK_RETRY_SCHEDULE_MS/);
    assert.match(problems({ WEBHOOK_RETRY_JITTER: '2' }), /WEBHOOK_RETRY_JITTER/);
  });
});
