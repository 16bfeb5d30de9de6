/** What the audit lib needs of a database handle: a TypeORM DataSource or EntityManager both fit. */
export interface SqlRunner {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}
