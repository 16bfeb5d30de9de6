import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { Agent, request } from 'undici';
import { injectTraceContext } from '@idsync/platform';
import { AddressPolicy } from '../domain/address-policy';
import type { AttemptResult } from '../domain/delivery-outcome';
import { endpointUrlProblem } from '../domain/endpoint-rules';
import { WebhookConfig } from '../config/webhook.config';
import { AddressRefusedError, guardedConnector } from './guarded-connector';

function describeError(err: unknown, responseTimeoutMs: number): string {
  if (err instanceof AddressRefusedError) return err.message;
  const e = err as { name?: string; code?: string; message?: string; cause?: unknown };
  if (e.cause instanceof AddressRefusedError) return e.cause.message;
  if (e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT') {
    return `no complete response within ${responseTimeoutMs} ms`;
  }
  if (e.code === 'UND_ERR_CONNECT_TIMEOUT') return 'connect timeout';
  return [e.code, e.message].filter(Boolean).join(': ') || String(err);
}

/**
 * POSTs webhooks with undici: one keep-alive pool per origin, connect and response timeouts, the
 * SSRF policy applied at connect time, redirects never followed (undici's request() follows none;
 * a 3xx is a failed attempt), and at most WEBHOOK_RESPONSE_BODY_MAX_BYTES of a response read.
 * The active span (DeliveryScheduler's `webhook.attempt`) is sent as `traceparent` so receivers
 * can join the trace, and gets the HTTP status.
 */
@Injectable()
export class WebhookHttpClient implements OnApplicationShutdown {
  private readonly agent: Agent;
  private readonly policy: AddressPolicy;

  constructor(private readonly config: WebhookConfig) {
    this.policy = AddressPolicy.fromConfig(config.WEBHOOK_ALLOWED_CIDRS);
    this.agent = new Agent({
      connect: guardedConnector(this.policy, config.WEBHOOK_CONNECT_TIMEOUT_MS),
      headersTimeout: config.WEBHOOK_RESPONSE_TIMEOUT_MS,
      bodyTimeout: config.WEBHOOK_RESPONSE_TIMEOUT_MS,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 120_000,
    });
  }

  /** `headers` is the caller's own object: the trace context headers are added to it. */
  async post(url: string, headers: Record<string, string>, body: string): Promise<AttemptResult> {
    const startedAt = new Date();
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    // Checked at creation too; again here in case WEBHOOK_ALLOW_HTTP was turned off since.
    const schemeProblem = endpointUrlProblem(url, this.config.WEBHOOK_ALLOW_HTTP);
    if (schemeProblem) return { startedAt, durationMs: 0, error: schemeProblem };
    const cap = this.config.WEBHOOK_RESPONSE_BODY_MAX_BYTES;
    const span = trace.getActiveSpan();
    if (span) {
      span.setAttributes({ 'http.request.method': 'POST', 'server.address': new URL(url).hostname });
      Object.assign(headers, injectTraceContext());
    }
    try {
      const res = await request(url, {
        method: 'POST',
        headers,
        body,
        dispatcher: this.agent,
        signal: AbortSignal.timeout(this.config.WEBHOOK_RESPONSE_TIMEOUT_MS),
      });
      const chunks: Buffer[] = [];
      let read = 0;
      // Leaving the loop early destroys the stream: a huge or endless body is never read past the cap.
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        chunks.push(chunk);
        read += chunk.length;
        if (read >= cap) break;
      }
      const responseBody = Buffer.concat(chunks).subarray(0, cap).toString('utf8');
      span?.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode < 200 || res.statusCode >= 300) span?.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${res.statusCode}` });
      return { startedAt, durationMs: elapsed(), statusCode: res.statusCode, responseBody };
    } catch (err) {
      const error = describeError(err, this.config.WEBHOOK_RESPONSE_TIMEOUT_MS);
      span?.setStatus({ code: SpanStatusCode.ERROR, message: error });
      return { startedAt, durationMs: elapsed(), error };
    }
  }

  /** After DeliveryScheduler has drained (module destroy): the pool outlives every attempt. */
  async onApplicationShutdown(): Promise<void> {
    await this.agent.destroy();
  }
}
