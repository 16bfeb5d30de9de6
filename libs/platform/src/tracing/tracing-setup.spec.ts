import 'reflect-metadata';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { trace } from '@opentelemetry/api';
import { BaseAppConfig } from '../config/base-config';
import { ConfigValidationError, loadConfig } from '../config/config-loader';
import { isTracingEnabled, otlpTracesUrl, startTracing } from './tracing-setup';

describe('tracing configuration', () => {
  it('is off by default: nothing is registered, spans are no-ops', () => {
    const config = loadConfig(BaseAppConfig, {});
    assert.equal(config.OTEL_TRACES_EXPORTER, 'none');
    assert.equal(startTracing(config, 'test-app'), false);
    assert.equal(isTracingEnabled(), false);
    const span = trace.getTracer('t').startSpan('x');
    assert.equal(span.isRecording(), false);
    span.end();
  });

  it('rejects an unknown exporter, a sampling ratio outside 0 … 1 and non-URL endpoints', () => {
    for (const env of [
      { OTEL_TRACES_EXPORTER: 'jaeger' },
      { OTEL_TRACES_SAMPLER_ARG: '1.5' },
      { OTEL_TRACES_SAMPLER_ARG: '-0.1' },
      { OTEL_TRACES_SAMPLER_ARG: 'half' },
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' },
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://collector/v1/traces' },
    ]) {
      assert.throws(() => loadConfig(BaseAppConfig, env), ConfigValidationError, JSON.stringify(env));
    }
    assert.equal(loadConfig(BaseAppConfig, { OTEL_TRACES_SAMPLER_ARG: '0.25' }).OTEL_TRACES_SAMPLER_ARG, 0.25);
  });

  it('sends to <endpoint>/v1/traces unless a traces URL is given', () => {
    assert.equal(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '' }), 'http://localhost:4318/v1/traces');
    assert.equal(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318/', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '' }), 'http://otel:4318/v1/traces');
    assert.equal(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://t.example/traces' }), 'https://t.example/traces');
  });
});
