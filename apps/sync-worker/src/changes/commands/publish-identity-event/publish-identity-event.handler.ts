import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { ClientKafka } from '@nestjs/microservices';
import { firstValueFrom } from 'rxjs';
import { TOPICS, scimChangeKey, topicName } from '@idsync/contracts';
import { IDENTITY_PRODUCER } from '../../identity-producer';
import { PublishIdentityEventCommand } from './publish-identity-event.command';

/**
 * First slice of the pipeline: one CloudEvent (binary mode: ce_* headers, JSON data) per change,
 * with an id derived from the input so a reprocessed record yields the same id.
 */
@CommandHandler(PublishIdentityEventCommand)
export class PublishIdentityEventHandler implements ICommandHandler<PublishIdentityEventCommand> {
  constructor(@Inject(IDENTITY_PRODUCER) private readonly producer: ClientKafka) {}

  async execute({ change }: PublishIdentityEventCommand): Promise<void> {
    const kind = change.resourceType === 'User' ? 'user' : 'group';
    const verb = { create: 'created', replace: 'updated', patch: 'updated', delete: 'deleted' }[change.operation];
    await firstValueFrom(
      this.producer.emit(topicName(TOPICS.identityEvents), {
        key: scimChangeKey(change.tenantId, change.resourceId),
        value: { resource: change.resource, changedAttributes: change.changedAttributes },
        headers: {
          ce_specversion: '1.0',
          ce_id: `${change.changeId}:0`,
          ce_source: `/idsync/tenants/${change.tenantId}`,
          ce_type: `idsync.${kind}.${verb}`,
          ce_subject: change.resourceId,
          ce_time: change.occurredAt,
          'content-type': 'application/json',
        },
      }),
    );
  }
}
