import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { BulkController } from './bulk.controller';
import { ProcessBulkHandler } from './commands/process-bulk.handler';

/** SCIM /Bulk: runs each operation through the resource commands of ResourcesModule. */
@Module({
  imports: [CqrsModule],
  controllers: [BulkController],
  providers: [ProcessBulkHandler],
})
export class BulkModule {}
