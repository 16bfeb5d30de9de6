import { Module, OnApplicationShutdown, Inject } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { ClientKafka } from '@nestjs/microservices';
import { PublishIdentityEventHandler } from './commands/publish-identity-event/publish-identity-event.handler';
import { IDENTITY_PRODUCER, identityProducerProvider } from './identity-producer';
import { ScimChangesMessageController } from './scim-changes.message-controller';

/** Consumes raw SCIM changes and authors the public identity stream. */
@Module({
  imports: [CqrsModule],
  controllers: [ScimChangesMessageController],
  providers: [identityProducerProvider, PublishIdentityEventHandler],
})
export class ChangesModule implements OnApplicationShutdown {
  constructor(@Inject(IDENTITY_PRODUCER) private readonly producer: ClientKafka) {}

  async onApplicationShutdown(): Promise<void> {
    await this.producer.close();
  }
}
