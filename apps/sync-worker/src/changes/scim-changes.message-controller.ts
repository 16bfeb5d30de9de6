import { Controller } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Ctx, EventPattern, KafkaContext, Payload } from '@nestjs/microservices';
import { TOPICS, topicName, type ScimChangeRecord } from '@idsync/contracts';
import { PublishIdentityEventCommand } from './commands/publish-identity-event/publish-identity-event.command';

/** Translates records of idsync.scim.changes.v1 into commands; no logic here. */
@Controller()
export class ScimChangesMessageController {
  constructor(private readonly commands: CommandBus) {}

  @EventPattern<string>(topicName(TOPICS.scimChanges))
  async onScimChange(@Payload() change: ScimChangeRecord, @Ctx() _ctx: KafkaContext): Promise<void> {
    await this.commands.execute(new PublishIdentityEventCommand(change));
  }
}
