import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createContextKey, propagation, ROOT_CONTEXT, trace, TraceFlags, type Context, type SpanContext } from '@opentelemetry/api';
import { TraceState, W3CTraceContextPropagator } from '@opentelemetry/core';
import { extractTraceContext, hasTraceContext, injectSpanContext, injectTraceContext } from './trace-context-carrier';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${SPAN_ID}-01`;

function contextWith(spanContext: SpanContext): Context {
  return trace.setSpanContext(ROOT_CONTEXT, spanContext);
}

const sampled: SpanContext = { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED, traceState: new TraceState('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7') };

describe('trace context carrier with tracing off (no propagator registered)', () => {
  it('injects nothing and extracts nothing: records and requests stay unchanged', () => {
    assert.deepEqual(injectTraceContext(contextWith(sampled)), {});
    const ctx = extractTraceContext({ traceparent: TRACEPARENT });
    assert.equal(hasTraceContext(ctx), false);
  });
});

describe('trace context carrier (W3C propagator, as startTracing registers it)', () => {
  before(() => propagation.setGlobalPropagator(new W3CTraceContextPropagator()));
  after(() => propagation.disable());

  it('injects traceparent and tracestate of the given context', () => {
    assert.deepEqual(injectTraceContext(contextWith(sampled)), { traceparent: TRACEPARENT, tracestate: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7' });
    assert.deepEqual(injectSpanContext(trace.wrapSpanContext({ ...sampled, traceFlags: TraceFlags.NONE, traceState: undefined })), {
      traceparent: `00-${TRACE_ID}-${SPAN_ID}-00`,
    });
  });

  it('injects nothing without a span', () => {
    assert.deepEqual(injectTraceContext(ROOT_CONTEXT), {});
  });

  // Kafka headers arrive as Buffers (kafkajs), strings (Nest) or, over HTTP, possibly as arrays.
  for (const [form, wrap] of [
    ['strings', (v: string) => v],
    ['Buffers', (v: string) => Buffer.from(v, 'utf8')],
    ['arrays', (v: string) => [v]],
  ] as const) {
    it(`round trip through headers as ${form}: same trace, span, flags and state, marked remote`, () => {
      const carrier = injectTraceContext(contextWith(sampled));
      const headers = Object.fromEntries(Object.entries(carrier).map(([k, v]) => [k, wrap(v)]));
      const extracted = trace.getSpanContext(extractTraceContext(headers));
      assert.ok(extracted);
      assert.equal(extracted.traceId, TRACE_ID);
      assert.equal(extracted.spanId, SPAN_ID);
      assert.equal(extracted.traceFlags, TraceFlags.SAMPLED);
      assert.equal(extracted.isRemote, true);
      assert.equal(extracted.traceState?.serialize(), 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
    });
  }

  it('keeps what the base context holds besides the span', () => {
    const key = createContextKey('test-key');
    const base = ROOT_CONTEXT.setValue(key, 'kept');
    const ctx = extractTraceContext({ traceparent: TRACEPARENT }, base);
    assert.equal(ctx.getValue(key), 'kept');
    assert.equal(trace.getSpanContext(ctx)?.traceId, TRACE_ID);
  });

  const malformed: Array<[string, Record<string, unknown> | null | undefined]> = [
    ['no headers at all', undefined],
    ['null headers', null],
    ['no traceparent', { 'idsync-outbox-id': '42' }],
    ['only a tracestate', { tracestate: 'rojo=00f067aa0ba902b7' }],
    ['garbage', { traceparent: 'not a traceparent' }],
    ['an empty value', { traceparent: '' }],
    ['too few fields', { traceparent: `00-${TRACE_ID}-${SPAN_ID}` }],
    ['a short trace id', { traceparent: `00-${TRACE_ID.slice(2)}-${SPAN_ID}-01` }],
    ['non-hex characters', { traceparent: `00-${TRACE_ID.slice(1)}z-${SPAN_ID}-01` }],
    ['the all-zero trace id', { traceparent: `00-${'0'.repeat(32)}-${SPAN_ID}-01` }],
    ['the all-zero span id', { traceparent: `00-${TRACE_ID}-${'0'.repeat(16)}-01` }],
    ['the forbidden version ff', { traceparent: `ff-${TRACE_ID}-${SPAN_ID}-01` }],
    ['version 00 with extra fields', { traceparent: `${TRACEPARENT}-extra` }],
    ['a header injection attempt', { traceparent: `${TRACEPARENT}\r\nx-evil: 1` }],
    ['a huge value', { traceparent: `00-${'a'.repeat(100_000)}-${SPAN_ID}-01` }],
    ['a number (JSON-decoded by Nest)', { traceparent: 42 }],
    ['an object (JSON-decoded by Nest)', { traceparent: { version: '00' } }],
    ['null', { traceparent: null }],
    ['an empty array', { traceparent: [] }],
  ];
  for (const [what, headers] of malformed) {
    it(`ignores ${what}: the base context comes back, no span context, no throw`, () => {
      const base = ROOT_CONTEXT;
      const ctx = extractTraceContext(headers, base);
      assert.equal(hasTraceContext(ctx), false);
      assert.equal(trace.getSpanContext(ctx), undefined);
    });
  }

  it('a malformed tracestate does not discard a valid traceparent', () => {
    const ctx = extractTraceContext({ traceparent: TRACEPARENT, tracestate: '===,\u0000,,' });
    assert.equal(trace.getSpanContext(ctx)?.traceId, TRACE_ID);
  });

  it('future versions are read by their first four fields (W3C forward compatibility)', () => {
    const ctx = extractTraceContext({ traceparent: `01-${TRACE_ID}-${SPAN_ID}-01-future` });
    assert.equal(trace.getSpanContext(ctx)?.spanId, SPAN_ID);
  });
});
