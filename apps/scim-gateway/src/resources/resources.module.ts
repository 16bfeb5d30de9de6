import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { CommandHandlers } from './commands';
import { GroupsController } from './groups.controller';
import { QueryHandlers } from './queries';
import { ScimChangeRecorder } from './scim-change.recorder';
import { ScimEngine } from './scim-engine';
import { ScimResourceRenderer } from './scim-resource.renderer';
import { ScimWriteSupport } from './scim-write.support';
import { ScimPiiVault } from './store/pii-encryption';
import { ScimResourceStore } from './store/scim-resource.store';
import { UsersController } from './users.controller';

/** SCIM Users and Groups: CRUD, PATCH, list/query. */
@Module({
  imports: [CqrsModule],
  controllers: [UsersController, GroupsController],
  providers: [
    // The key ring for tenants with encrypt_pii; absent, the gateway serves every other tenant and answers 503 for theirs.
    { provide: ScimPiiVault, useFactory: () => ScimPiiVault.fromEnvironment() },
    ScimEngine,
    ScimResourceStore,
    ScimResourceRenderer,
    ScimWriteSupport,
    ScimChangeRecorder,
    ...CommandHandlers,
    ...QueryHandlers,
  ],
  exports: [ScimEngine, ScimResourceStore, ScimResourceRenderer],
})
export class ResourcesModule {}
