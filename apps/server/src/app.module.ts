import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { ConfigModule, type AppConfig } from '@app/config';
import { PersistenceModule } from '@app/persistence';
import { OAuthModule } from '@app/oauth';
import { IdentityModule } from '@app/identity';
import { DiscoveryModule } from '@app/discovery';
import { McpModule } from '@app/mcp';
import { WebModule } from '@app/web';
import { AuditModule } from '@app/audit';
import { AccountModule } from '@app/account';
import { HealthController } from './health.controller';
import { Lifecycle } from './lifecycle';
import { ENTITIES, MIGRATIONS } from './schema';
import { toolModules } from './tool-modules';

export interface AppModuleOptions {
  config: AppConfig;
  /** The resolved database URL (DATABASE_URL, or the embedded cluster's). */
  databaseUrl: string;
  /** More modules (e.g. tool modules only a test run loads); the deployable passes none. */
  extraModules?: readonly (Type | DynamicModule)[];
}

/** Composition only: which modules make up the deployable. */
@Module({})
export class AppModule {
  static forRoot({ config, databaseUrl, extraModules = [] }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        PersistenceModule.forRoot({
          url: databaseUrl,
          entities: ENTITIES,
          migrations: MIGRATIONS,
          poolSize: config.database.poolSize,
          migrateOnStart: config.database.migrateOnStart,
        }),
        WebModule,
        AuditModule,
        IdentityModule,
        OAuthModule,
        DiscoveryModule,
        McpModule,
        ...toolModules(config),
        AccountModule,
        ...extraModules,
      ],
      controllers: [HealthController],
      providers: [Lifecycle],
      exports: [Lifecycle],
    };
  }
}
