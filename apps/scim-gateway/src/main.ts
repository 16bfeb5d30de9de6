import 'reflect-metadata';
import { runIdsyncApp } from '@idsync/platform';
import { gatewayAppOptions } from './gateway.bootstrap';

void runIdsyncApp(async () => (await import('./app.module')).ScimGatewayModule, { name: 'scim-gateway', ...safeOptions() });

/** Options read configuration; a config error must reach runIdsyncApp's clear start-up failure path. */
function safeOptions() {
  try {
    return gatewayAppOptions();
  } catch {
    return { clientId: 'idsync-scim-gateway' };
  }
}
