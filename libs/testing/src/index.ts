// Public entry point of @idsync/testing: helpers for integration tests against the real
// PostgreSQL and Kafka that `npm test` provides (never mocks).
export * from './test-database';
export * from './test-env';
export * from './wait-for';
