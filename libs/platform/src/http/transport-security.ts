import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Server as HttpsServer, ServerOptions } from 'node:https';
import type { NextFunction, Request, Response } from 'express';
import type { BaseAppConfig } from '../config/base-config';

/**
 * TLS 1.2 suites allowed besides TLS 1.3's (which Node always enables): forward-secret AEAD only,
 * the Mozilla "intermediate" list. TLS 1.0/1.1 are refused by minVersion.
 */
export const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

type TlsSettings = Pick<BaseAppConfig, 'TLS_CERT_FILE' | 'TLS_KEY_FILE'>;

function readKeyPair(config: TlsSettings): { cert: Buffer; key: Buffer } {
  try {
    return { cert: readFileSync(config.TLS_CERT_FILE), key: readFileSync(config.TLS_KEY_FILE) };
  } catch (err) {
    throw new Error(`cannot read TLS_CERT_FILE/TLS_KEY_FILE: ${(err as Error).message}`, { cause: err });
  }
}

/** HTTPS options for NestFactory.create, or undefined for plain HTTP; throws on half a configuration. */
export function httpsOptionsFrom(config: TlsSettings): ServerOptions | undefined {
  if (!config.TLS_CERT_FILE && !config.TLS_KEY_FILE) return undefined;
  if (!config.TLS_CERT_FILE || !config.TLS_KEY_FILE) throw new Error('TLS_CERT_FILE and TLS_KEY_FILE must be set together');
  return { ...readKeyPair(config), minVersion: 'TLSv1.2', ciphers: TLS12_CIPHERS, honorCipherOrder: true };
}

/** Re-reads the certificate and key on SIGHUP, so a renewed certificate is served without a restart. */
export function reloadCertificateOnSighup(server: HttpsServer, config: TlsSettings, onResult: (error?: Error) => void): () => void {
  const reload = () => {
    try {
      server.setSecureContext({ ...readKeyPair(config), minVersion: 'TLSv1.2', ciphers: TLS12_CIPHERS, honorCipherOrder: true });
      onResult();
    } catch (err) {
      onResult(err as Error); // keep serving the old certificate
    }
  };
  process.on('SIGHUP', reload);
  return () => process.off('SIGHUP', reload);
}

/** Slow clients are cut off: headers, whole requests and idle keep-alive connections have bounded lifetimes. */
export function applyServerTimeouts(server: Server, config: Pick<BaseAppConfig, 'HTTP_HEADERS_TIMEOUT_MS' | 'HTTP_REQUEST_TIMEOUT_MS' | 'HTTP_KEEP_ALIVE_TIMEOUT_MS'>): void {
  server.requestTimeout = config.HTTP_REQUEST_TIMEOUT_MS;
  // Node requires headersTimeout <= requestTimeout.
  server.headersTimeout = Math.min(config.HTTP_HEADERS_TIMEOUT_MS, config.HTTP_REQUEST_TIMEOUT_MS);
  server.keepAliveTimeout = config.HTTP_KEEP_ALIVE_TIMEOUT_MS;
}

export const HSTS_HEADER_VALUE = 'max-age=31536000; includeSubDomains';

/** Strict-Transport-Security on every response of an app that serves HTTPS itself (admin API and console included). */
export function hstsMiddleware() {
  return (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Strict-Transport-Security', HSTS_HEADER_VALUE);
    next();
  };
}
