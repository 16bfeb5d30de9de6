import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { ScimError } from '@idsync/identity';
import { ScimEngine } from '../../scim-engine';
import { ScimChangeRecorder } from '../../scim-change.recorder';
import { ScimResourceRenderer } from '../../scim-resource.renderer';
import { changedTopLevelAttributes } from '../../changed-attributes';
import { hashPassword, previousMembership, ScimWriteSupport } from '../../scim-write.support';
import { ScimResourceStore, type StoredResource } from '../../store/scim-resource.store';
import { PatchResourceCommand } from './patch-resource.command';

/** PATCH (RFC 7644 §3.5.2): applies the operations with the PATCH engine; a no-op PATCH writes nothing. */
@CommandHandler(PatchResourceCommand)
export class PatchResourceHandler implements ICommandHandler<PatchResourceCommand, StoredResource> {
  constructor(
    private readonly db: DataSource,
    private readonly engine: ScimEngine,
    private readonly store: ScimResourceStore,
    private readonly support: ScimWriteSupport,
    private readonly renderer: ScimResourceRenderer,
    private readonly changes: ScimChangeRecorder,
  ) {}

  async execute(cmd: PatchResourceCommand): Promise<StoredResource> {
    const { principal, resourceType } = cmd;
    return this.db.transaction(async (tx) => {
      const current = await this.store.find(principal.tenantId, resourceType, cmd.id, { tx, lock: true });
      if (!current) throw ScimError.notFound(`${resourceType} ${cmd.id} not found`);
      this.support.checkIfMatch(current, cmd.ifMatch);
      // The id goes in so the engine can recognise an echoed, unchanged id (Okta's group rename
      // `{"op":"replace","value":{"id":…,"displayName":…}}`); it is not part of the stored document.
      const result = this.engine.patch.apply(resourceType, { id: current.id, ...current.data }, cmd.body);
      const { id: _id, meta: _meta, ...data } = result.resource;
      const changed = changedTopLevelAttributes(current.data, data);
      if (result.password !== undefined) changed.push('password');
      if (changed.length === 0) return current;
      const members = resourceType === 'Group' ? await this.support.resolveMembers(tx, principal.tenantId, current.id, data, current.data) : undefined;
      const updated = await this.store.update(tx, current, this.support.toWrite(resourceType, data));
      if (members) await this.store.changeMembers(tx, principal.tenantId, current.id, members.added, members.removedIds);
      if (result.password !== undefined) await this.store.setPassword(tx, principal.tenantId, current.id, await hashPassword(result.password));
      await this.changes.record(tx, {
        principal,
        operation: 'patch',
        resource: updated,
        representation: this.renderer.full(updated, cmd.baseUrl),
        changedAttributes: changed,
        previous: { active: typeof current.data.active === 'boolean' ? current.data.active : undefined, ...(members ? previousMembership(current.data) : {}) },
      });
      return updated;
    });
  }
}
