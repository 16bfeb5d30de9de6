import { Controller } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Ctx, EventPattern, KafkaContext } from '@nestjs/microservices';
import { TOPICS, topicName } from '@idsync/contracts';
import { ReceivedRecord } from '../kafka/received-record';
import { HandleOktaEventRecordCommand } from './commands/handle-okta-event-record/handle-okta-event-record.command';

/** Translates records of idsync.okta.events.v1 into commands; no logic here (as for SCIM changes). */
@Controller()
export class OktaEventsMessageController {
  constructor(private readonly commands: CommandBus) {}

  @EventPattern<string>(topicName(TOPICS.oktaEvents))
  async onOktaEvent(@Ctx() ctx: KafkaContext): Promise<void> {
    await this.commands.execute(new HandleOktaEventRecordCommand(ReceivedRecord.fromContext(ctx)));
  }
}
