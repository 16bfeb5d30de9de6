import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { changedTopLevelAttributes } from '../../changed-attributes';
import { ScimEngine } from '../../scim-engine';
import { ScimWriteSupport } from '../../scim-write.support';
import type { StoredResource } from '../../store/scim-resource.store';
import { ReplaceResourceCommand } from './replace-resource.command';

/** PUT: replaces the writable attributes; read-only ones are ignored, immutable ones must not change. */
@CommandHandler(ReplaceResourceCommand)
export class ReplaceResourceHandler implements ICommandHandler<ReplaceResourceCommand, StoredResource> {
  constructor(
    private readonly db: DataSource,
    private readonly engine: ScimEngine,
    private readonly support: ScimWriteSupport,
  ) {}

  async execute(cmd: ReplaceResourceCommand): Promise<StoredResource> {
    const { principal, resourceType } = cmd;
    return this.db.transaction(async (tx) => {
      const current = await this.support.lockCurrent(tx, principal, resourceType, cmd.id, cmd.ifMatch);
      const validated = this.engine.validator.validateForReplace(resourceType, cmd.body, current.data);
      const changedAttributes = changedTopLevelAttributes(current.data, validated.attributes);
      if (validated.password !== undefined) changedAttributes.push('password');
      return this.support.storeUpdate(tx, {
        principal,
        operation: 'replace',
        baseUrl: cmd.baseUrl,
        current,
        data: validated.attributes,
        changedAttributes,
        password: validated.password,
      });
    });
  }
}
