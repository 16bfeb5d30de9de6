import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import type { Observable } from 'rxjs';
import { SCIM_CONTENT_TYPE } from './scim-http.setup';

/** SCIM responses are application/scim+json (RFC 7644 §3.1). */
@Injectable()
export class ScimResponseInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    context.switchToHttp().getResponse<Response>().type(SCIM_CONTENT_TYPE);
    return next.handle();
  }
}
