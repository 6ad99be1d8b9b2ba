import {
  Global,
  Inject,
  Logger,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createDataSource, type PersistenceOptions } from './data-source';
import { DatabaseHealthService } from './database-health';
import { runMigrationsWithLock } from './migrations';

export interface PersistenceModuleOptions extends PersistenceOptions {
  /** Run pending migrations (under an advisory lock) before the app serves. */
  migrateOnStart: boolean;
}

const PERSISTENCE_OPTIONS = Symbol('PERSISTENCE_OPTIONS');

/**
 * Provides the initialised TypeORM DataSource (inject it by class: `constructor(ds: DataSource)`).
 * Feature libraries own their entities and migrations and export them; the app composes the lists.
 */
@Global()
@Module({})
export class PersistenceModule implements OnApplicationShutdown {
  private readonly logger = new Logger('Persistence');

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  static forRoot(options: PersistenceModuleOptions): DynamicModule {
    return {
      module: PersistenceModule,
      providers: [
        { provide: PERSISTENCE_OPTIONS, useValue: options },
        {
          provide: DataSource,
          inject: [PERSISTENCE_OPTIONS],
          useFactory: async (opts: PersistenceModuleOptions) => {
            const dataSource = createDataSource(opts);
            await dataSource.initialize();
            if (opts.migrateOnStart) {
              const applied = await runMigrationsWithLock(dataSource);
              if (applied.length > 0)
                new Logger('Persistence').log(`applied migrations: ${applied.join(', ')}`);
            }
            return dataSource;
          },
        },
        DatabaseHealthService,
      ],
      exports: [DataSource, DatabaseHealthService],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) {
      await this.dataSource.destroy();
      this.logger.log('database pool closed');
    }
  }
}
