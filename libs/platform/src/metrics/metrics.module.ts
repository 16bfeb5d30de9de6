import { Controller, Get, Header, Module, OnModuleInit } from '@nestjs/common';
import { collectDefaultMetrics, register } from 'prom-client';

let defaultMetricsStarted = false;

/** Prometheus exposition of the process-wide prom-client registry. */
@Controller('metrics')
export class MetricsController {
  @Get()
  @Header('Content-Type', register.contentType)
  metrics(): Promise<string> {
    return register.metrics();
  }
}

@Module({ controllers: [MetricsController] })
export class MetricsModule implements OnModuleInit {
  onModuleInit(): void {
    if (!defaultMetricsStarted) {
      collectDefaultMetrics({ prefix: 'idsync_' });
      defaultMetricsStarted = true;
    }
  }
}
