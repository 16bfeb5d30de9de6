import type { ScimResourceTypeId } from '@idsync/identity';

export interface ListParameters {
  filter?: string;
  sortBy?: string;
  sortOrder?: 'ascending' | 'descending';
  /** 1-based. */
  startIndex: number;
  count: number;
}

export class ListResourcesQuery {
  constructor(
    readonly tenantId: string,
    readonly resourceType: ScimResourceTypeId,
    readonly params: ListParameters,
  ) {}
}
