import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import type { ScimJsonObject } from '@idsync/identity';
import { ScimChangeRecorder } from '../../scim-change.recorder';
import { ScimResourceRenderer } from '../../scim-resource.renderer';
import { previousMembership, ScimWriteSupport } from '../../scim-write.support';
import { ScimResourceStore } from '../../store/scim-resource.store';
import { DeleteResourceCommand } from './delete-resource.command';

/**
 * DELETE: removes the resource and, in the same transaction, takes it out of every group that
 * listed it (each such group gets its own change record, so member-removed events are emitted).
 */
@CommandHandler(DeleteResourceCommand)
export class DeleteResourceHandler implements ICommandHandler<DeleteResourceCommand, void> {
  constructor(
    private readonly db: DataSource,
    private readonly store: ScimResourceStore,
    private readonly support: ScimWriteSupport,
    private readonly renderer: ScimResourceRenderer,
    private readonly changes: ScimChangeRecorder,
  ) {}

  async execute(cmd: DeleteResourceCommand): Promise<void> {
    const { principal, resourceType } = cmd;
    await this.db.transaction(async (tx) => {
      const current = await this.support.lockCurrent(tx, principal, resourceType, cmd.id, cmd.ifMatch);
      for (const groupId of await this.store.groupsContaining(tx, principal.tenantId, current.id)) {
        const group = await this.store.find(principal.tenantId, 'Group', groupId, { tx, lock: true });
        if (!group) continue;
        const before = Array.isArray(group.data.members) ? (group.data.members as ScimJsonObject[]) : [];
        const data = { ...group.data, members: before.filter((m) => m.value !== current.id) };
        if ((data.members as unknown[]).length === 0) delete (data as ScimJsonObject).members;
        const updated = await this.store.update(tx, group, this.support.toWrite('Group', data));
        await this.changes.record(tx, {
          principal,
          operation: 'patch',
          resource: updated,
          representation: this.renderer.full(updated, cmd.baseUrl),
          changedAttributes: ['members'],
          previous: previousMembership(group.data),
          before: group.data,
        });
      }
      await this.store.delete(tx, current);
      await this.changes.record(tx, {
        principal,
        operation: 'delete',
        resource: current,
        representation: null,
        changedAttributes: [],
        // A deleted group's record lists the members it had, so each gets a member-removed event.
        previous: {
          active: typeof current.data.active === 'boolean' ? current.data.active : undefined,
          ...(resourceType === 'Group' ? previousMembership(current.data) : {}),
        },
        before: current.data,
      });
    });
  }
}
