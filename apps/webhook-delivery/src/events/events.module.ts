import { Module } from '@nestjs/common';
import { IdentityEventsMessageController } from './identity-events.message-controller';

@Module({ controllers: [IdentityEventsMessageController] })
export class EventsModule {}
