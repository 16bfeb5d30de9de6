import { context, propagation, ROOT_CONTEXT, trace, type Context, type Span, type TextMapGetter } from '@opentelemetry/api';

/**
 * W3C trace context as it travels outside a process: `traceparent` and, when present,
 * `tracestate` — in Kafka record headers, HTTP headers, an outbox row. Empty when tracing is off
 * (the global propagator is then a no-op) or when there is no span to carry.
 */
export type TraceCarrier = Record<string, string>;

/** A header value as kafkajs (Buffer), Nest (string) or Node's HTTP server (string[]) hands it over. */
function headerText(value: unknown): string | undefined {
  const one: unknown = Array.isArray(value) ? value[0] : value;
  if (typeof one === 'string') return one;
  if (Buffer.isBuffer(one)) return one.toString('utf8');
  return undefined;
}

const headerGetter: TextMapGetter<Record<string, unknown>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => headerText(carrier[key]),
};

/** The trace context of `ctx` (default: the active one) as headers to send along. */
export function injectTraceContext(ctx: Context = context.active()): TraceCarrier {
  const carrier: TraceCarrier = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

/** The headers that make `span` the parent of whatever receives them (a Kafka record, a webhook). */
export function injectSpanContext(span: Span): TraceCarrier {
  return injectTraceContext(trace.setSpan(ROOT_CONTEXT, span));
}

/**
 * The remote parent carried in `headers`, on top of `base` (default: an empty context, so a
 * consumer's span never parents to whatever happened to be active). A missing or malformed
 * `traceparent` is ignored by the W3C propagator: the result is then just `base`.
 */
export function extractTraceContext(headers: Record<string, unknown> | null | undefined, base: Context = ROOT_CONTEXT): Context {
  if (!headers) return base;
  return propagation.extract(base, headers, headerGetter);
}

/** True when `ctx` carries a valid (remote or local) span context. */
export function hasTraceContext(ctx: Context): boolean {
  const spanContext = trace.getSpanContext(ctx);
  return spanContext !== undefined && trace.isSpanContextValid(spanContext);
}
