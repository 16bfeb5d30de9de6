import { BadRequestException } from '@nestjs/common';
import { customHeaderProblems, endpointUrlProblem } from '../domain/endpoint-rules';
import type { SubscriptionFields } from './subscription.repository';

/** Checks beyond the DTO's shape (they depend on configuration): 400 naming every problem. */
export function assertAcceptableSubscription(fields: SubscriptionFields, allowHttp: boolean): void {
  const problems = [endpointUrlProblem(fields.url, allowHttp), ...customHeaderProblems(fields.customHeaders)].filter((p): p is string => p !== undefined);
  if (problems.length > 0) throw new BadRequestException(problems);
}
