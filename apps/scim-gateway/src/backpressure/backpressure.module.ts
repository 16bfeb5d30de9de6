import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { ScimWriteLimiterMiddleware } from './scim-write-limiter.middleware';

/** Load shedding for SCIM writes (docs/RELIABILITY.md, "Backpressure"). */
@Module({ providers: [ScimWriteLimiterMiddleware] })
export class BackpressureModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(ScimWriteLimiterMiddleware).forRoutes('scim/{*path}');
  }
}
