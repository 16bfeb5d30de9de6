import type { IdsyncAppOptions } from '@idsync/platform';
import { loadConfig } from '@idsync/platform';
import { GatewayConfig } from './config/gateway.config';
import { gatewayOpenApi } from './gateway.openapi';
import { configureScimHttp } from './scim/http/scim-http.setup';

/** How scim-gateway is created (main.ts and tests): its own SCIM body parsing and size limit. */
export function gatewayAppOptions(): IdsyncAppOptions {
  const config = loadConfig(GatewayConfig);
  return {
    clientId: 'idsync-scim-gateway',
    bodyParser: false,
    openApi: gatewayOpenApi,
    configure: (app) => configureScimHttp(app, config.SCIM_MAX_PAYLOAD_BYTES),
  };
}
