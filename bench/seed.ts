/**
 * `npm run bench:seed -- <rows> [--expired]`: fills oauth_access_tokens of DATABASE_URL with <rows>
 * synthetic access tokens in one INSERT ... SELECT generate_series (1 M rows in well under a minute).
 * The token of row i is `seed-<i>` (its SHA-256 is stored, as for a real token), so a benchmark can
 * present real, existing tokens. `--expired`: the rows expired two days ago (what housekeeping
 * deletes). Owner rows (a user, a client, a grant) are created once.
 */
import { Client } from 'pg';

export const SEED_CLIENT_ID = 'mcpc_bench_seed';
export const SEED_RESOURCE = 'https://bench.invalid/mcp';

/** The presented token of seeded row `i`. */
export const seededToken = (i: number) => `seed-${i}`;

/**
 * Appends `rows` access tokens numbered after the ones already seeded; returns the new total. Only the
 * hash index and the table grow; no other table is touched beyond the one seed grant.
 */
export async function seedAccessTokens(
  db: Client,
  rows: number,
  options: { expired?: boolean } = {},
): Promise<number> {
  await db.query(
    `INSERT INTO users (id, display_name) VALUES ('00000000-0000-4000-8000-00000000beef', 'Bench seed')
     ON CONFLICT (id) DO NOTHING`,
  );
  await db.query(
    `INSERT INTO oauth_clients (client_id, token_endpoint_auth_method, redirect_uris, grant_types, response_types)
     VALUES ($1, 'none', '{http://127.0.0.1:9/cb}', '{authorization_code,refresh_token}', '{code}')
     ON CONFLICT (client_id) DO NOTHING`,
    [SEED_CLIENT_ID],
  );
  await db.query(
    `INSERT INTO oauth_grants (id, user_id, client_id, scopes, resource)
     VALUES ('00000000-0000-4000-8000-00000000feed', '00000000-0000-4000-8000-00000000beef', $1,
             '{notes:read}', $2)
     ON CONFLICT (id) DO NOTHING`,
    [SEED_CLIENT_ID, SEED_RESOURCE],
  );
  const before = await seededCount(db);
  await db.query(
    `INSERT INTO oauth_access_tokens (id, token_hash, grant_id, client_id, user_id, scopes, audience, expires_at, created_at)
     SELECT gen_random_uuid(), sha256(convert_to('seed-' || i, 'UTF8')),
            '00000000-0000-4000-8000-00000000feed', $1, '00000000-0000-4000-8000-00000000beef',
            '{notes:read}', $2, now() + $5::interval, now()
       FROM generate_series($3::int + 1, $3::int + $4::int) AS i`,
    [SEED_CLIENT_ID, SEED_RESOURCE, before, rows, options.expired ? '-2 days' : '1 hour'],
  );
  await db.query('ANALYZE oauth_access_tokens');
  return before + rows;
}

export async function seededCount(db: Client): Promise<number> {
  const r = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM oauth_access_tokens WHERE client_id = $1`,
    [SEED_CLIENT_ID],
  );
  return r.rows[0].n;
}

async function main(): Promise<void> {
  const rows = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? '10000');
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set (the migrated database to seed)');
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    const started = Date.now();
    const total = await seedAccessTokens(db, rows, { expired: process.argv.includes('--expired') });
    process.stdout.write(
      `seeded ${rows} access tokens in ${Date.now() - started} ms (${total} seeded rows in all)\n`,
    );
  } finally {
    await db.end();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
