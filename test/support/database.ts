import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  /** Admin connection URL of the same server (for ALTER DATABASE, pg_terminate_backend ...). */
  readonly adminUrl: string;
  drop(): Promise<void>;
}

function env(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: run the suite with \`npm test\` (scripts/test.mjs sets it)`);
  return value;
}

export async function adminQuery(
  sql: string,
  params: unknown[] = [],
): Promise<{ rows: Record<string, unknown>[] }> {
  const client = new Client({ connectionString: env('TEST_DATABASE_URL') });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

/**
 * A fresh database for one test file: a clone of the migrated template (fast), or an empty one
 * (`{ empty: true }`) for the migration tests.
 */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = env('TEST_DATABASE_URL');
  // The run id lets scripts/test.mjs clean up after its own crashed files without touching other runs.
  const name = `mcp_test_db_${process.env.TEST_RUN_ID ?? 'x'}_${randomBytes(6).toString('hex')}`;
  const template = options.empty ? 'template0' : env('TEST_TEMPLATE_DATABASE');
  for (let attempt = 0; ; attempt++) {
    try {
      await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${template}`);
      break;
    } catch (error) {
      // Two clones of one template at the same instant can collide; try again shortly.
      if (attempt >= 20 || !/being accessed by other users/.test(String(error))) throw error;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    adminUrl,
    drop: async () => {
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
