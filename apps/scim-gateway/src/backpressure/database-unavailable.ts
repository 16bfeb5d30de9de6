// Shared with webhook-delivery's admin API: the one definition lives in @idsync/platform.
export { isDatabaseUnavailable } from '@idsync/platform';
