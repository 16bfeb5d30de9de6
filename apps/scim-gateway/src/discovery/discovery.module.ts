import { Module } from '@nestjs/common';
import { ResourcesModule } from '../resources/resources.module';
import { DiscoveryController } from './discovery.controller';

@Module({ imports: [ResourcesModule], controllers: [DiscoveryController] })
export class DiscoveryModule {}
