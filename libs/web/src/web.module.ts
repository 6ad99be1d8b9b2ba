import { Module } from '@nestjs/common';
import { PageRenderer } from './page-renderer';

/** The page layout and branding; imported by each module that renders pages (oauth, identity, account). */
@Module({ providers: [PageRenderer], exports: [PageRenderer] })
export class WebModule {}
