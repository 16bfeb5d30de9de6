import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { changedTopLevelAttributes } from '../../changed-attributes';
import { ScimEngine } from '../../scim-engine';
import { ScimWriteSupport } from '../../scim-write.support';
import type { StoredResource } from '../../store/scim-resource.store';
import { PatchResourceCommand } from './patch-resource.command';

/** PATCH (RFC 7644 §3.5.2): applies the operations with the PATCH engine; a no-op PATCH writes nothing. */
@CommandHandler(PatchResourceCommand)
export class PatchResourceHandler implements ICommandHandler<PatchResourceCommand, StoredResource> {
  constructor(
    private readonly db: DataSource,
    private readonly engine: ScimEngine,
    private readonly support: ScimWriteSupport,
  ) {}

  async execute(cmd: PatchResourceCommand): Promise<StoredResource> {
    const { principal, resourceType } = cmd;
    return this.db.transaction(async (tx) => {
      const current = await this.support.lockCurrent(tx, principal, resourceType, cmd.id, cmd.ifMatch);
      // The id goes in so the engine can recognise an echoed, unchanged id (Okta's group rename
      // `{"op":"replace","value":{"id":…,"displayName":…}}`); it is not part of the stored document.
      const result = this.engine.patch.apply(resourceType, { id: current.id, ...current.data }, cmd.body);
      const { id: _id, meta: _meta, ...data } = result.resource;
      const changedAttributes = changedTopLevelAttributes(current.data, data);
      if (result.password !== undefined) changedAttributes.push('password');
      if (changedAttributes.length === 0) return current;
      return this.support.storeUpdate(tx, {
        principal,
        operation: 'patch',
        baseUrl: cmd.baseUrl,
        current,
        data,
        changedAttributes,
        password: result.password,
      });
    });
  }
}
