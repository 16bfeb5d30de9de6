// Public entry point of @idsync/contracts: topic names and message shapes shared by the apps.
export * from './topics';
export * from './scim-change';
export * from './identity-events';
export * from './scim-change.guard';
export * from './identity-event-derivation';
export * from './dead-letter';
export * from './identity-event-encoding';
export * from './okta-events';
export * from './data-subject-events';
