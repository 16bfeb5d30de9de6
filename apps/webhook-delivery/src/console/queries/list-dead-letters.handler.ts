import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { DeadLetterReader, type DeadLetterListing } from '../dead-letters/dead-letter-reader';
import { ListDeadLettersQuery } from './list-dead-letters.query';

@QueryHandler(ListDeadLettersQuery)
export class ListDeadLettersHandler implements IQueryHandler<ListDeadLettersQuery, DeadLetterListing> {
  constructor(private readonly reader: DeadLetterReader) {}

  async execute({ limit, tenantId }: ListDeadLettersQuery): Promise<DeadLetterListing> {
    const listing = await this.reader.newest(limit);
    return tenantId ? { ...listing, letters: listing.letters.filter((l) => l.tenantId === tenantId) } : listing;
  }
}
