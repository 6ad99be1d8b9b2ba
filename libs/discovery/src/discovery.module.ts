import { Inject, Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { discoveryHandlers } from './discovery-handlers';
import { DiscoveryDocuments } from './discovery-documents';
import { documentPaths } from './metadata';

/** Serves /.well-known/oauth-authorization-server (RFC 8414) and /.well-known/oauth-protected-resource (RFC 9728). */
@Module({ providers: [DiscoveryDocuments], exports: [DiscoveryDocuments] })
export class DiscoveryModule implements NestModule {
  constructor(
    private readonly documents: DiscoveryDocuments,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  configure(consumer: MiddlewareConsumer): void {
    const paths = documentPaths(this.config);
    const handlers = discoveryHandlers(this.documents);
    // Exact-path middleware: answers GET/HEAD/OPTIONS on the document paths and passes anything else on.
    const only =
      (set: string[], handler: typeof handlers.authorizationServer) =>
      (req: Parameters<typeof handler>[0], res: Parameters<typeof handler>[1], next: () => void) => {
        const path = req.originalUrl.split('?')[0];
        if (set.includes(path) && ['GET', 'HEAD', 'OPTIONS'].includes(req.method)) handler(req, res);
        else next();
      };
    consumer
      .apply(only(paths.authorizationServer, handlers.authorizationServer))
      .forRoutes('/.well-known/oauth-authorization-server', '/.well-known/oauth-authorization-server/*path');
    consumer
      .apply(only(paths.protectedResource, handlers.protectedResource))
      .forRoutes('/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/*path');
  }
}
