import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ScimEngine } from '../../scim-engine';
import { ScimChangeRecorder } from '../../scim-change.recorder';
import { ScimResourceRenderer } from '../../scim-resource.renderer';
import { hashPassword, ScimWriteSupport } from '../../scim-write.support';
import { ScimResourceStore, type StoredResource } from '../../store/scim-resource.store';
import { CreateResourceCommand } from './create-resource.command';

/** POST /Users, POST /Groups: validate, store, audit and enqueue the change in one transaction. */
@CommandHandler(CreateResourceCommand)
export class CreateResourceHandler implements ICommandHandler<CreateResourceCommand, StoredResource> {
  constructor(
    private readonly db: DataSource,
    private readonly engine: ScimEngine,
    private readonly store: ScimResourceStore,
    private readonly support: ScimWriteSupport,
    private readonly renderer: ScimResourceRenderer,
    private readonly changes: ScimChangeRecorder,
  ) {}

  async execute(cmd: CreateResourceCommand): Promise<StoredResource> {
    const { principal, resourceType } = cmd;
    const validated = this.engine.validator.validateForCreate(resourceType, cmd.body);
    const passwordHash = validated.password !== undefined ? await hashPassword(validated.password) : undefined;
    const id = randomUUID();
    return this.db.transaction(async (tx) => {
      const data = validated.attributes;
      const members = resourceType === 'Group' ? await this.support.resolveMembers(tx, principal.tenantId, id, data, undefined) : undefined;
      const created = await this.store.insert(tx, principal.tenantId, resourceType, id, this.support.toWrite(resourceType, data));
      if (members) await this.store.changeMembers(tx, principal.tenantId, id, members.added, []);
      if (passwordHash) await this.store.setPassword(tx, principal.tenantId, id, passwordHash);
      await this.changes.record(tx, {
        principal,
        operation: 'create',
        resource: created,
        representation: this.renderer.full(created, cmd.baseUrl),
        changedAttributes: Object.keys(data).filter((k) => k !== 'schemas'),
        previous: resourceType === 'Group' ? { memberIds: [] } : undefined,
        before: null,
      });
      return created;
    });
  }
}
