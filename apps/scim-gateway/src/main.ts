import 'reflect-metadata';
import { runIdsyncApp } from '@idsync/platform';

void runIdsyncApp(async () => (await import('./app.module')).ScimGatewayModule, {
  name: 'scim-gateway',
  clientId: 'idsync-scim-gateway',
});
