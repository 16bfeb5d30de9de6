import { CanActivate, ExecutionContext, Inject, Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

/** DI token of the configured admin API token (each app provides it from its own config class). */
export const ADMIN_API_TOKEN = Symbol('ADMIN_API_TOKEN');

/** Provides ADMIN_API_TOKEN from an app's validated configuration class. */
export function adminApiTokenProvider<T extends { ADMIN_API_TOKEN: string }>(configClass: new () => T) {
  return { provide: ADMIN_API_TOKEN, inject: [configClass], useFactory: (config: T) => config.ADMIN_API_TOKEN };
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * `Authorization: Bearer <ADMIN_API_TOKEN>` for the apps' /admin APIs. Digests are compared, not
 * the strings: equal-length buffers make timingSafeEqual applicable and the comparison time
 * independent of the token. With no token configured the admin API is disabled and answers 404.
 */
@Injectable()
export class AdminApiGuard implements CanActivate {
  private readonly expectedDigest: Buffer | undefined;

  constructor(@Inject(ADMIN_API_TOKEN) token: string) {
    this.expectedDigest = token ? sha256(token) : undefined;
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
