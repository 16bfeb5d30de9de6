// Tracing (OpenTelemetry) for every app: set-up, the HTTP server span, and the carrier helpers
// that move W3C trace context through the outbox, Kafka headers and webhook requests.
export * from './tracing-setup';
export * from './idsync-tracer';
export * from './trace-context-carrier';
export * from './http-server-tracing';
