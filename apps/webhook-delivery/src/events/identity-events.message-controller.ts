import { Controller, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Ctx, EventPattern, KafkaContext } from '@nestjs/microservices';
import { Counter } from 'prom-client';
import { TOPICS, topicName } from '@idsync/contracts';
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
 */
@Controller()
export class IdentityEventsMessageController {
  private readonly logger = new Logger(IdentityEventsMessageController.name);

  constructor(private readonly commands: CommandBus) {}

  @EventPattern<string>(topicName(TOPICS.identityEvents))
  async onIdentityEvent(@Ctx() ctx: KafkaContext): Promise<void> {
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
