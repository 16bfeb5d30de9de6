import { CanActivate, ExecutionContext, Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { WebhookConfig } from '../config/webhook.config';

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * `Authorization: Bearer <ADMIN_API_TOKEN>`, the scheme of the gateway's admin API (apps do not
 * share code, hence the twin). Digests are compared so timingSafeEqual gets equal lengths and
 * the time taken does not depend on the token. No ADMIN_API_TOKEN: the admin API answers 404.
 */
@Injectable()
export class AdminApiGuard implements CanActivate {
  private readonly expectedDigest: Buffer | undefined;

  constructor(config: WebhookConfig) {
    this.expectedDigest = config.ADMIN_API_TOKEN ? sha256(config.ADMIN_API_TOKEN) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expectedDigest) throw new NotFoundException('The admin API is disabled (ADMIN_API_TOKEN is not set)');
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    if (presented === undefined || !timingSafeEqual(sha256(presented), this.expectedDigest)) {
      throw new UnauthorizedException('A valid admin API token is required');
    }
    return true;
  }
}
