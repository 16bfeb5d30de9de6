import type { ReceivedRecord } from '../../../kafka/received-record';

/** Process one record of idsync.scim.changes.v1: publish its identity events exactly once, or dead-letter it. */
export class HandleScimChangeRecordCommand {
  constructor(readonly record: ReceivedRecord) {}
}
