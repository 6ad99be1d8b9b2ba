// Checks that a tool declaring @UsesUpstream is checked at boot (UP-11, UP-12): the real composition
// with GITHUB_TOOLS refuses to start when GitHub sign-in is not configured, and in production when no
// UPSTREAM_TOKEN_KEY can seal the tokens; with both, it starts and GitHub sign-in asks for the scopes.
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { loadAppConfig as loadConfig } from '../../apps/server/src/config-slices';
import { UpstreamRequirements } from '@app/mcp';
import { createDataSource } from '@app/persistence';
import { UpstreamAccess } from '../../libs/mcp/src/upstream/upstream-access';
import { AppModule } from '../../apps/server/src/app.module';
import { ENTITIES, MIGRATIONS } from '../../apps/server/src/schema';
import { createTestDatabase, type TestDatabase } from '../support/database';

const github = {
  GITHUB_CLIENT_ID: 'boot-client',
  GITHUB_CLIENT_SECRET: 'boot-secret',
  GITHUB_API_URL: 'https://ghe.example.com/api/v3',
};

describe('boot: tools that use an upstream API', () => {
  let database: TestDatabase;
  let ds: DataSource;

  before(async () => {
    database = await createTestDatabase();
    ds = createDataSource({ url: database.url, entities: ENTITIES, migrations: MIGRATIONS, poolSize: 2 });
    await ds.initialize();
  });
  after(async () => {
    await ds.destroy();
    await database.drop();
  });

  /** Builds the real composition and runs the upstream boot check (UpstreamAccess.onModuleInit). */
  async function boot(env: Record<string, string>) {
    const config = loadConfig({
      NODE_ENV: 'test',
      PUBLIC_URL: 'https://mcp.example.com',
      DATABASE_URL: database.url,
      SESSION_SECRET: 'test-session-secret-0123456789abcdef0123456789',
      LOG_LEVEL: 'silent',
      GITHUB_TOOLS: 'true',
      ...env,
    });
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forRoot({ config, databaseUrl: database.url })],
    })
      .overrideProvider(DataSource)
      .useValue(ds)
      .compile();
    moduleRef.get(UpstreamAccess).onModuleInit();
    return moduleRef;
  }

  it('refuses to start when the provider the tool needs is not configured', async () => {
    await assert.rejects(
      boot({}),
      /tool "github_repos" \(GithubTools\.repos\) uses the github API: the github sign-in is not configured \(set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET\)/,
    );
  });

  it('refuses to start in production without UPSTREAM_TOKEN_KEY', async () => {
    await assert.rejects(
      boot({ ...github, NODE_ENV: 'production' }),
      /UPSTREAM_TOKEN_KEY is required when NODE_ENV=production/,
    );
  });

  it('starts in production with a key, and outside production with a derived one', async () => {
    const key = randomBytes(32).toString('base64');
    for (const env of [{ ...github, NODE_ENV: 'production', UPSTREAM_TOKEN_KEY: key }, github]) {
      const moduleRef = await boot(env);
      const requirements = moduleRef.get(UpstreamRequirements);
      assert.deepEqual(requirements.scopesFor('github'), ['repo']);
      assert.deepEqual(requirements.toolsFor('github'), ['github_repos']);
    }
  });
});
