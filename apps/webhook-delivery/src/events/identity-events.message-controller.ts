import { Controller, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Ctx, EventPattern, KafkaContext } from '@nestjs/microservices';
import { SpanKind, type Context } from '@opentelemetry/api';
import { Counter } from 'prom-client';
import { TOPICS, topicName } from '@idsync/contracts';
import { extractTraceContext, hasTraceContext, inSpan } from '@idsync/platform';
import { identityEventFromKafkaRecord, InvalidIdentityEventError } from '../domain/identity-cloud-event';
import { FanOutIdentityEventCommand } from '../delivery/commands/fan-out-identity-event.command';

const eventsReceived = new Counter({
  name: 'idsync_webhook_events_received_total',
  help: 'Public identity events read from Kafka by webhook-delivery, by CloudEvent type',
  labelNames: ['type'],
});

/**
 * Reads the public identity stream and hands each record to FanOutIdentityEventCommand. The
 * offset is committed only after the handler resolves, so a failure (database down) makes
 * kafkajs retry the record; a record that is not a valid identity event is skipped with a warning.
 * Each record is processed under a CONSUMER span continuing the record's trace (see traceParent).
 */
@Controller()
export class IdentityEventsMessageController {
  private readonly logger = new Logger(IdentityEventsMessageController.name);

  constructor(private readonly commands: CommandBus) {}

  @EventPattern<string>(topicName(TOPICS.identityEvents))
  async onIdentityEvent(@Ctx() ctx: KafkaContext): Promise<void> {
    const message = ctx.getMessage();
    const attributes = {
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.destination.name': ctx.getTopic(),
      'messaging.destination.partition.id': String(ctx.getPartition()),
      'messaging.kafka.offset': Number(message.offset),
    };
    await inSpan(`process ${TOPICS.identityEvents}`, { kind: SpanKind.CONSUMER, attributes }, traceParent(message.headers), () => this.fanOut(ctx));
  }

  private async fanOut(ctx: KafkaContext): Promise<void> {
    const message = ctx.getMessage();
    const type = message.headers?.ce_type?.toString() ?? 'unknown';
    eventsReceived.inc({ type });
    let command: FanOutIdentityEventCommand;
    try {
      command = new FanOutIdentityEventCommand(identityEventFromKafkaRecord(message.headers, message.value, message.key));
    } catch (err) {
      if (!(err instanceof InvalidIdentityEventError)) throw err;
      this.logger.warn(`skipping record at ${ctx.getTopic()}/${ctx.getPartition()}@${message.offset}: ${err.message}`);
      return;
    }
    await this.commands.execute(command);
  }
}

/**
 * The record's `traceparent`/`tracestate` headers, or — from a producer that only set the
 * CloudEvents distributed-tracing extension — `ce_traceparent`/`ce_tracestate`.
 */
function traceParent(headers: Record<string, unknown> | undefined): Context {
  const fromHeaders = extractTraceContext(headers);
  if (hasTraceContext(fromHeaders) || !headers) return fromHeaders;
  return extractTraceContext({ traceparent: headers.ce_traceparent, tracestate: headers.ce_tracestate });
}
