import { Global, Module } from '@nestjs/common';
import { PageRenderer } from './page-renderer';

@Global()
@Module({ providers: [PageRenderer], exports: [PageRenderer] })
export class WebModule {}
