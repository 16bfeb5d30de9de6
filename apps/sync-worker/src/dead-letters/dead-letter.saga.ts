import { Injectable } from '@nestjs/common';
import { ofType, Saga, type IEvent } from '@nestjs/cqrs';
import { map, type Observable } from 'rxjs';
import { ScimChangeRecordRejected } from '../changes/events/change-events';
import { DeadLetterRecordCommand } from './commands/dead-letter-record/dead-letter-record.command';

/** A rejected change record (invalid, or out of attempts) is dead-lettered so its partition moves on. */
@Injectable()
export class DeadLetterSaga {
  @Saga()
  rejectedRecords = (events$: Observable<IEvent>): Observable<DeadLetterRecordCommand> =>
    events$.pipe(
      ofType(ScimChangeRecordRejected),
      map((event) => new DeadLetterRecordCommand(event.record, event.reason)),
    );
}
