import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Observable } from 'rxjs';
import { SCIM_CONTENT_TYPE } from './scim-http.setup';

/** SCIM responses are application/scim+json (RFC 7644 §3.1). */
@Injectable()
export class ScimResponseInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    if (http.getRequest<Request>().path.startsWith('/scim/')) http.getResponse<Response>().type(SCIM_CONTENT_TYPE);
    return next.handle();
  }
}
