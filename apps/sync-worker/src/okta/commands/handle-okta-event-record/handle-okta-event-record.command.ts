import type { ReceivedRecord } from '../../../kafka/received-record';

/** Process one record of idsync.okta.events.v1: publish its canonical events exactly once, or dead-letter it. */
export class HandleOktaEventRecordCommand {
  constructor(readonly record: ReceivedRecord) {}
}
