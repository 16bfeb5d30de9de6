import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BaseAppConfig } from '@idsync/platform';
import { dataSourceOptions } from './data-source';

/** The app's PostgreSQL connection; entities register themselves with TypeOrmModule.forFeature. */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [BaseAppConfig],
      useFactory: (config: BaseAppConfig) => ({
        ...dataSourceOptions(config.DATABASE_URL, {}, config.DATABASE_POOL_SIZE, config.DATABASE_POOL_ACQUIRE_TIMEOUT_MS),
        autoLoadEntities: true,
        retryAttempts: 3,
        retryDelay: 1_000,
      }),
    }),
  ],
})
export class DatabaseModule {}
