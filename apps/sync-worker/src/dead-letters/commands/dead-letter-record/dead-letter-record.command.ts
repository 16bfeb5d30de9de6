import type { ReceivedRecord } from '../../../kafka/received-record';

/** Copy a record the worker gave up on to idsync.deadletter.v1, so its partition can move on. */
export class DeadLetterRecordCommand {
  constructor(
    readonly record: ReceivedRecord,
    readonly reason: string,
  ) {}
}
