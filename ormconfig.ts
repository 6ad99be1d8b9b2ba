// DataSource for the TypeORM CLI only (npm run migration:*). The app builds its own from AppConfig.
import 'reflect-metadata';
import { loadConfig } from '@app/config';
import { createDataSource } from '@app/persistence';
import { ENTITIES, MIGRATIONS } from './apps/server/src/schema';

const config = loadConfig();
if (!config.database.url) {
  throw new Error(
    'DATABASE_URL must be set for the migration commands, e.g. postgres://postgres@127.0.0.1:5432/mcp_auth',
  );
}

export default createDataSource({
  url: config.database.url,
  entities: ENTITIES,
  migrations: MIGRATIONS,
  poolSize: 2,
});
