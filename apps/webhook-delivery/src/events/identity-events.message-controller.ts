import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext, Payload } from '@nestjs/microservices';
import { Counter } from 'prom-client';
import { TOPICS, topicName } from '@idsync/contracts';

const eventsReceived = new Counter({
  name: 'idsync_webhook_events_received_total',
  help: 'Public identity events read from Kafka by webhook-delivery, by CloudEvent type',
  labelNames: ['type'],
});

/** Reads the public identity stream; fan-out to subscriptions arrives with the delivery feature. */
@Controller()
export class IdentityEventsMessageController {
  @EventPattern<string>(topicName(TOPICS.identityEvents))
  onIdentityEvent(@Payload() _event: unknown, @Ctx() ctx: KafkaContext): void {
    const type = ctx.getMessage().headers?.ce_type?.toString() ?? 'unknown';
    eventsReceived.inc({ type });
  }
}
