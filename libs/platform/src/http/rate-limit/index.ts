export * from './token-bucket';
export * from './rate-limit-metrics';
export * from './http-rate-limits';
