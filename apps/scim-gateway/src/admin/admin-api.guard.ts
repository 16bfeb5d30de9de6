import { CanActivate, ExecutionContext, Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { GatewayConfig } from '../config/gateway.config';

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * `Authorization: Bearer <ADMIN_API_TOKEN>`. Digests are compared, not the strings: equal-length
 * buffers make timingSafeEqual applicable and the comparison time independent of the token.
 * With no ADMIN_API_TOKEN configured the admin API is disabled and answers 404, as if absent.
 */
@Injectable()
export class AdminApiGuard implements CanActivate {
  private readonly expectedDigest: Buffer | undefined;

  constructor(config: GatewayConfig) {
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
