import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { ScimError } from '@idsync/identity';
import { ScimEngine } from '../../scim-engine';
import { ScimChangeRecorder } from '../../scim-change.recorder';
import { ScimResourceRenderer } from '../../scim-resource.renderer';
import { changedTopLevelAttributes } from '../../changed-attributes';
import { hashPassword, previousMembership, ScimWriteSupport } from '../../scim-write.support';
import { ScimResourceStore, type StoredResource } from '../../store/scim-resource.store';
import { ReplaceResourceCommand } from './replace-resource.command';

/** PUT: replaces the writable attributes; read-only ones are ignored, immutable ones must not change. */
@CommandHandler(ReplaceResourceCommand)
export class ReplaceResourceHandler implements ICommandHandler<ReplaceResourceCommand, StoredResource> {
  constructor(
    private readonly db: DataSource,
    private readonly engine: ScimEngine,
    private readonly store: ScimResourceStore,
    private readonly support: ScimWriteSupport,
    private readonly renderer: ScimResourceRenderer,
    private readonly changes: ScimChangeRecorder,
  ) {}

  async execute(cmd: ReplaceResourceCommand): Promise<StoredResource> {
    const { principal, resourceType } = cmd;
    return this.db.transaction(async (tx) => {
      const current = await this.store.find(principal.tenantId, resourceType, cmd.id, { tx, lock: true });
      if (!current) throw ScimError.notFound(`${resourceType} ${cmd.id} not found`);
      this.support.checkIfMatch(current, cmd.ifMatch);
      const validated = this.engine.validator.validateForReplace(resourceType, cmd.body, current.data);
      const data = validated.attributes;
      const members = resourceType === 'Group' ? await this.support.resolveMembers(tx, principal.tenantId, current.id, data, current.data) : undefined;
      const updated = await this.store.update(tx, current, this.support.toWrite(resourceType, data));
      if (members) await this.store.changeMembers(tx, principal.tenantId, current.id, members.added, members.removedIds);
      if (validated.password !== undefined) await this.store.setPassword(tx, principal.tenantId, current.id, await hashPassword(validated.password));
      const changed = changedTopLevelAttributes(current.data, data);
      if (validated.password !== undefined) changed.push('password');
      await this.changes.record(tx, {
        principal,
        operation: 'replace',
        resource: updated,
        representation: this.renderer.full(updated, cmd.baseUrl),
        changedAttributes: changed,
        previous: { active: typeof current.data.active === 'boolean' ? current.data.active : undefined, ...(members ? previousMembership(current.data) : {}) },
      });
      return updated;
    });
  }
}
