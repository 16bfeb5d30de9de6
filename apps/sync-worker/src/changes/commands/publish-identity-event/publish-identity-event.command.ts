import type { ScimChangeRecord } from '@idsync/contracts';

/** Turn one committed SCIM change into the public identity event(s). */
export class PublishIdentityEventCommand {
  constructor(readonly change: ScimChangeRecord) {}
}
