// Checks EXT-RC-05 on PostgreSQL: every replica adds its tool declarations to oauth_tool_declarations at
// boot; the baseline (what consents and grants stored before tool records cover) is the first boot's
// declarations, also when that boot served no tool, and replicas booting at once agree on it.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DataSource } from 'typeorm';
import { createDataSource } from '@app/persistence';
import { ENTITIES, MIGRATIONS } from '../../apps/server/src/schema';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { fakeScopeRegistry } from '../../libs/oauth/src/common/testing';
import type { ToolDeclaration } from '../../libs/oauth/src/ports/scope-registry';
import { ToolDeclarationLedger } from '../../libs/oauth/src/tool-coverage/tool-declaration-ledger';

const tool = (name: string, digest: string): ToolDeclaration => ({
  name,
  description: name,
  digest,
  requiredScopes: ['notes:read'],
  readOnly: false,
});
const list = tool('notes_list', 'd-list');
const create = tool('notes_create', 'd-create');
const purge = tool('notes_purge', 'd-purge');

describe('tool declarations ledger (EXT-RC-05)', () => {
  const databases: TestDatabase[] = [];
  const sources: DataSource[] = [];
  const open = async (db: TestDatabase) => {
    const ds = createDataSource({ url: db.url, entities: ENTITIES, migrations: MIGRATIONS, poolSize: 2 });
    await ds.initialize();
    sources.push(ds);
    return ds;
  };
  const fresh = async () => {
    const db = await createTestDatabase();
    databases.push(db);
    return open(db);
  };
  const boot = async (ds: DataSource, tools: ToolDeclaration[]) => {
    const ledger = new ToolDeclarationLedger(ds, fakeScopeRegistry(tools));
    await ledger.onModuleInit();
    return ledger;
  };

  after(async () => {
    for (const ds of sources) await ds.destroy();
    for (const db of databases) await db.drop();
  });

  it('the first boot is the baseline; later declarations and changed digests are not', async () => {
    const ds = await fresh();
    const first = await boot(ds, [list, create]);
    assert.equal(first.has('notes_list', 'd-list'), true);
    await new Promise((r) => setTimeout(r, 5));
    const later = await boot(ds, [list, create, purge, tool('notes_list', 'd-list-2')]);
    assert.equal(later.has('notes_list', 'd-list'), true);
    assert.equal(later.has('notes_create', 'd-create'), true);
    assert.equal(later.has('notes_purge', 'd-purge'), false);
    assert.equal(later.has('notes_list', 'd-list-2'), false);
    const rows = await ds.query<{ name: string }[]>(`SELECT name FROM oauth_tool_declarations ORDER BY name`);
    assert.deepEqual(
      rows.map((r) => r.name),
      ['', 'notes_create', 'notes_list', 'notes_list', 'notes_purge'],
    );
  });

  it('a first boot without tools is still the baseline: tools added afterwards are not in it', async () => {
    const ds = await fresh();
    await boot(ds, []);
    await new Promise((r) => setTimeout(r, 5));
    const later = await boot(ds, [list]);
    assert.equal(later.has('notes_list', 'd-list'), false);
  });

  it('replicas booting at once agree on one baseline', async () => {
    const db = await createTestDatabase();
    databases.push(db);
    const [a, b, c] = await Promise.all([open(db), open(db), open(db)]);
    const ledgers = await Promise.all([
      boot(a, [list, create]),
      boot(b, [list, create]),
      boot(c, [list, create]),
    ]);
    for (const ledger of ledgers) {
      assert.equal(ledger.has('notes_list', 'd-list'), true);
      assert.equal(ledger.has('notes_create', 'd-create'), true);
    }
  });
});
