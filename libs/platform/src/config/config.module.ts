import { DynamicModule, Global, Module } from '@nestjs/common';
import { BaseAppConfig } from './base-config';
import { loadConfig } from './config-loader';

/**
 * Validates the app's configuration class once at start-up and provides the instance under its
 * class (inject `SomeConfig` directly) and under BaseAppConfig for shared infrastructure.
 */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot<T extends BaseAppConfig>(cls: new () => T, override?: Partial<T>): DynamicModule {
    const config = Object.assign(loadConfig(cls), override ?? {});
    return {
      module: AppConfigModule,
      providers: [
        { provide: cls, useValue: config },
        { provide: BaseAppConfig, useValue: config },
      ],
      exports: [cls, BaseAppConfig],
    };
  }
}
