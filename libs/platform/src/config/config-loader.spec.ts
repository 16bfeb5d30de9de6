import 'reflect-metadata';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsBoolean, IsInt, Min } from 'class-validator';
import { BaseAppConfig } from './base-config';
import { ConfigValidationError, loadConfig } from './config-loader';

class SampleConfig extends BaseAppConfig {
  override PORT = 3005;

  @IsInt()
  @Min(1)
  BATCH_SIZE = 100;

  @IsBoolean()
  FEATURE_ON = false;
}

function loadError(env: NodeJS.ProcessEnv, cls: new () => BaseAppConfig = BaseAppConfig): ConfigValidationError {
  try {
    loadConfig(cls, env);
  } catch (err) {
    assert.ok(err instanceof ConfigValidationError, `expected ConfigValidationError, got ${String(err)}`);
    return err;
  }
  assert.fail('loadConfig accepted an invalid configuration');
}

describe('loadConfig', () => {
  it('applies every default when the environment is empty', () => {
    const config = loadConfig(BaseAppConfig, {});
    assert.ok(config instanceof BaseAppConfig);
    assert.equal(config.DATABASE_URL, 'postgres://postgres@127.0.0.1:5432/idsync');
    assert.equal(config.KAFKA_BROKERS, '127.0.0.1:19092');
    assert.deepEqual(config.kafkaBrokers, ['127.0.0.1:19092']);
    assert.equal(config.KAFKA_TOPIC_PREFIX, '');
    assert.equal(config.LOG_LEVEL, 'info');
    assert.equal(config.HOST, '0.0.0.0');
    assert.equal(config.PORT, 3000);
    assert.equal(config.SHUTDOWN_GRACE_MS, 10_000);
  });

  it("uses the subclass's own defaults and treats empty variables as unset", () => {
    const config = loadConfig(SampleConfig, { PORT: '', BATCH_SIZE: '' });
    assert.ok(config instanceof SampleConfig);
    assert.equal(config.PORT, 3005);
    assert.equal(config.BATCH_SIZE, 100);
    assert.equal(config.FEATURE_ON, false);
  });

  it('coerces numbers and booleans from their string form', () => {
    const config = loadConfig(SampleConfig, { PORT: '8080', SHUTDOWN_GRACE_MS: '2500', BATCH_SIZE: ' 42 ', FEATURE_ON: 'true' });
    assert.equal(config.PORT, 8080);
    assert.equal(typeof config.PORT, 'number');
    assert.equal(config.SHUTDOWN_GRACE_MS, 2500);
    assert.equal(config.BATCH_SIZE, 42);
    assert.equal(config.FEATURE_ON, true);
    assert.equal(loadConfig(SampleConfig, { FEATURE_ON: '0' }).FEATURE_ON, false);
  });

  it('takes strings as given and splits the broker list', () => {
    const config = loadConfig(BaseAppConfig, {
      DATABASE_URL: 'postgresql://app:secret@db:5432/idsync',
      KAFKA_BROKERS: 'kafka-1:9092,kafka-2:9092',
      KAFKA_TOPIC_PREFIX: 'staging.',
      LOG_LEVEL: 'debug',
    });
    assert.equal(config.DATABASE_URL, 'postgresql://app:secret@db:5432/idsync');
    assert.deepEqual(config.kafkaBrokers, ['kafka-1:9092', 'kafka-2:9092']);
    assert.equal(config.KAFKA_TOPIC_PREFIX, 'staging.');
    assert.equal(config.LOG_LEVEL, 'debug');
  });

  it('ignores variables the class does not declare', () => {
    const config = loadConfig(BaseAppConfig, { SOMETHING_ELSE: 'x', PATH: '/bin' });
    assert.equal(Object.hasOwn(config, 'SOMETHING_ELSE'), false);
  });

  it('rejects a malformed setting with an error naming it', () => {
    for (const [key, value] of [
      ['PORT', 'abc'],
      ['PORT', '70000'],
      ['PORT', '3.5'],
      ['DATABASE_URL', 'mysql://x'],
      ['KAFKA_BROKERS', 'nope'],
      ['KAFKA_BROKERS', 'a:1, b:2'],
      ['KAFKA_TOPIC_PREFIX', 'has space'],
      ['LOG_LEVEL', 'verbose'],
      ['SHUTDOWN_GRACE_MS', '-1'],
    ] as const) {
      const err = loadError({ [key]: value });
      assert.equal(err.problems.length, 1, `${key}=${value}: ${err.message}`);
      assert.ok(err.problems[0].startsWith(`${key} `), `${key}=${value}: ${err.message}`);
      assert.match(err.message, /^Invalid configuration:/);
    }
  });

  it('lists every problem at once, one per line', () => {
    const err = loadError({ PORT: 'abc', DATABASE_URL: 'mysql://x', KAFKA_BROKERS: 'nope' });
    assert.equal(err.name, 'ConfigValidationError');
    assert.equal(err.problems.length, 3, err.message);
    for (const key of ['PORT', 'DATABASE_URL', 'KAFKA_BROKERS']) {
      assert.equal(err.problems.filter((p) => p.startsWith(`${key} `)).length, 1, `${key} in ${err.message}`);
      assert.match(err.message, new RegExp(`\\n  - ${key} `));
    }
    // A non-number is reported once, with the offending value, not as every numeric constraint it fails.
    assert.ok(err.problems.includes('PORT must be a number (got "abc")'), err.message);
    assert.match(err.message, /DATABASE_URL must be a postgres:\/\/ URL/);
    assert.match(err.message, /KAFKA_BROKERS must be host:port/);
  });

  it("validates the subclass's own settings too", () => {
    const err = loadError({ BATCH_SIZE: '0', FEATURE_ON: 'maybe', PORT: 'x' }, SampleConfig);
    assert.equal(err.problems.length, 3, err.message);
    assert.ok(err.problems.some((p) => p.startsWith('BATCH_SIZE')));
    assert.ok(err.problems.some((p) => p.startsWith('FEATURE_ON')));
    assert.ok(err.problems.some((p) => p.startsWith('PORT')));
  });
});
