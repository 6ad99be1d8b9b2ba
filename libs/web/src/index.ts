export { WebModule } from './web.module';
export { PageRenderer, type PageOptions } from './page-renderer';
