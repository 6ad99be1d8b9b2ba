// Checks that the security ports fail closed at boot: the real application composition without the
// module that provides SCOPE_GRANT_POLICY (libs/account) does not start, instead of letting anyone hold
// every scope (RFC 6749 §3.3); with it, the same composition builds.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DynamicModule } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { AccountModule } from '@app/account';
import { loadAppConfig } from '../../apps/server/src/config-slices';
import { createDataSource } from '@app/persistence';
import { AppModule } from '../../apps/server/src/app.module';
import { ENTITIES, MIGRATIONS } from '../../apps/server/src/schema';
import { createTestDatabase, type TestDatabase } from '../support/database';

describe('boot without a SCOPE_GRANT_POLICY provider', () => {
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

  function composition(withoutAccount: boolean): DynamicModule {
    const config = loadAppConfig({
      NODE_ENV: 'test',
      PUBLIC_URL: 'http://127.0.0.1:1',
      DATABASE_URL: database.url,
      SESSION_SECRET: 'test-session-secret-0123456789abcdef0123456789',
      LOG_LEVEL: 'silent',
    });
    const root = AppModule.forRoot({ config, databaseUrl: database.url });
    if (withoutAccount) root.imports = (root.imports ?? []).filter((m) => m !== AccountModule);
    return root;
  }

  // The pool is this test's own (closed in after()), so a refused boot leaves no connection open.
  const build = (root: DynamicModule) =>
    Test.createTestingModule({ imports: [root] })
      .overrideProvider(DataSource)
      .useValue(ds)
      .compile();

  it('refuses to build the application, naming the missing port', async () => {
    await assert.rejects(build(composition(true)), (error: Error) => {
      assert.match(error.message, /Nest can't resolve dependencies of the \w+/);
      assert.match(error.message, /SCOPE_GRANT_POLICY/);
      return true;
    });
  });

  it('builds the same composition when libs/account provides the port', async () => {
    const moduleRef = await build(composition(false));
    assert.ok(moduleRef.get(AccountModule));
  });
});
