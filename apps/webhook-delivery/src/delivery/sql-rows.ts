/**
 * Rows of a raw TypeORM query. For UPDATE/DELETE … RETURNING, TypeORM's Postgres driver answers
 * `[rows, affectedCount]` instead of the rows themselves; SELECT and INSERT answer the rows.
 */
export function sqlRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}
