import { BadRequestException } from '@nestjs/common';
import { customHeaderProblems, endpointUrlProblem } from '../domain/endpoint-rules';
import { AttributeMapping, ResourceFilter } from '../domain/resource-selection';
import type { SubscriptionFields } from './subscription.repository';

/** Checks beyond the DTO's shape (they depend on configuration): 400 naming every problem. */
export function assertAcceptableSubscription(fields: SubscriptionFields, allowHttp: boolean): void {
  const problems = [
    endpointUrlProblem(fields.url, allowHttp),
    ...customHeaderProblems(fields.customHeaders),
    fields.resourceFilter === null ? undefined : problemOf(() => ResourceFilter.parse(fields.resourceFilter as string)),
    fields.attributeMapping === null ? undefined : problemOf(() => AttributeMapping.parse(fields.attributeMapping as Record<string, string>)),
  ].filter((p): p is string => p !== undefined);
  if (problems.length > 0) throw new BadRequestException(problems);
}

function problemOf(parse: () => unknown): string | undefined {
  try {
    parse();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
