import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-node';
import type { BaseAppConfig } from '../config/base-config';

const DEFAULT_OTLP_ENDPOINT = 'http://localhost:4318';

// One provider per process: the OpenTelemetry API holds a single global tracer provider, context
// manager and propagator. Tests that run several apps in one process share the first app's.
let provider: NodeTracerProvider | undefined;

type TracingSettings = Pick<
  BaseAppConfig,
  'OTEL_TRACES_EXPORTER' | 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' | 'OTEL_SERVICE_NAME' | 'OTEL_TRACES_SAMPLER_ARG'
>;

/** Where spans are sent: the traces URL if set, else `<endpoint>/v1/traces` (the OTLP/HTTP convention). */
export function otlpTracesUrl(config: Pick<TracingSettings, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'>): string {
  if (config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  return `${(config.OTEL_EXPORTER_OTLP_ENDPOINT || DEFAULT_OTLP_ENDPOINT).replace(/\/+$/, '')}/v1/traces`;
}

/**
 * Registers the global tracer provider when OTEL_TRACES_EXPORTER=otlp: spans batched and exported
 * as OTLP/HTTP JSON, W3C trace context propagation, AsyncLocalStorage as context manager (so the
 * active span follows awaits), parent-based sampling with OTEL_TRACES_SAMPLER_ARG for new traces.
 * With `none` nothing is registered and every tracing call in the code stays a no-op.
 * Returns whether tracing is on.
 */
export function startTracing(config: TracingSettings, defaultServiceName: string): boolean {
  if (config.OTEL_TRACES_EXPORTER !== 'otlp') return false;
  if (provider) return true;
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.OTEL_SERVICE_NAME || defaultServiceName }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.OTEL_TRACES_SAMPLER_ARG) }),
    // Other OTEL_BSP_* / OTEL_EXPORTER_OTLP_HEADERS settings are read by the SDK itself.
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: otlpTracesUrl(config) }))],
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  return true;
}

/** Whether startTracing() registered a provider in this process. */
export function isTracingEnabled(): boolean {
  return provider !== undefined;
}

/** Exports the spans still buffered (at shutdown: the batch processor would otherwise drop them). */
export async function flushTracing(): Promise<void> {
  await provider?.forceFlush();
}

/** Added to an app's root module when tracing is on: flushes spans when the app shuts down (SIGTERM or close()). */
@Injectable()
export class TracingShutdownFlush implements OnApplicationShutdown {
  async onApplicationShutdown(): Promise<void> {
    await flushTracing().catch(() => undefined);
  }
}
