import { context, SpanStatusCode, trace, type Context, type Span, type SpanOptions, type Tracer } from '@opentelemetry/api';

/** Instrumentation scope of every idsync span. */
export const IDSYNC_TRACER_NAME = 'idsync';

/** The idsync tracer: a no-op until startTracing() registers a provider (tracing off by default). */
export function idsyncTracer(): Tracer {
  return trace.getTracer(IDSYNC_TRACER_NAME);
}

/** Marks `span` failed with `err` (exception event + error status). */
export function recordSpanError(span: Span, err: unknown): void {
  if (err instanceof Error) span.recordException(err);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}

/**
 * Runs `fn` with a new span active (child of `parent`, default the active context): the span
 * records a thrown error and ends when `fn` settles. With tracing off this costs a no-op span.
 */
export async function inSpan<T>(name: string, options: SpanOptions, parent: Context | undefined, fn: (span: Span) => Promise<T>): Promise<T> {
  return idsyncTracer().startActiveSpan(name, options, parent ?? context.active(), async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      recordSpanError(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}
