// Checks the restore procedure of docs/operations.md ("Backup and restore"): a pg_dump taken while grants
// are live, more grants, rotations and a revocation after it, the dump restored into a new database and
// the server booted on it; the restored database resurrects a revoked grant, and after the documented SQL
// (run while the server is up) every grant issued, rotated or revoked after the backup is dead: the token
// endpoint answers invalid_grant, /mcp answers 401, and new sign-ins and grants work.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAppConfig } from '../../apps/server/src/config-slices';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from '../../apps/server/src/bootstrap';
import { createRootLogger } from '../../apps/server/src/logging';
import { freePort } from '../support/app';
import { createTestDatabase } from '../support/database';
import { postMcp } from '../support/mcp-client';
import {
  obtainTokens,
  readJson,
  registerClient,
  tokenRequest,
  type RegisteredClient,
  type TokenResponseBody,
} from '../support/oauth-flow';

const ROOT = join(__dirname, '..', '..', '..');
const toolsList = { method: 'tools/list', params: {} };

/** The SQL block of the runbook, exactly as an operator copies it. */
function restoreProcedure(): string {
  const doc = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8');
  const block =
    /<!-- restore-procedure:begin[^>]*-->\s*```sql\n([\s\S]*?)```\s*<!-- restore-procedure:end -->/.exec(doc);
  assert.ok(block, 'docs/operations.md has no restore-procedure block');
  return block[1];
}

/** The real app on a fixed port, so the restored server keeps the issuer and resource of the first one. */
async function startServer(databaseUrl: string, port: number): Promise<NestExpressApplication> {
  const url = `http://127.0.0.1:${port}`;
  const config = loadAppConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    PUBLIC_URL: url,
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '4',
    MIGRATE_ON_START: 'false',
    DEV_LOGIN: 'true',
    SESSION_SECRET: 'test-session-secret-0123456789abcdef0123456789',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
  });
  const app = await createApp({ config, databaseUrl, logger: createRootLogger(config.logLevel) });
  await app.listen(port, '127.0.0.1');
  return app;
}

describe('restore from a backup (docs/operations.md): every grant changed after the backup is dead', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  });

  it('pg_dump, more activity, pg_restore into a new database, boot, the documented SQL', async () => {
    const work = mkdtempSync(join(tmpdir(), 'mcp-restore-'));
    cleanup.push(async () => rmSync(work, { recursive: true, force: true }));
    const live = await createTestDatabase();
    cleanup.push(() => live.drop());
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const resource = `${url}/mcp`;
    let app = await startServer(live.url, port);
    cleanup.push(() => app.close());

    const refresh = (tokens: TokenResponseBody, clientId: string) =>
      tokenRequest(url, {
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token!,
        client_id: clientId,
      });
    const grant = async (email: string, existing?: RegisteredClient) => {
      const client = existing ?? (await registerClient(url));
      const { tokens } = await obtainTokens(url, { email, client, resource });
      return { client, tokens };
    };

    // Before the backup: three live grants.
    const rotated = await grant('rotated@example.com');
    const revoked = await grant('revoked@example.com');
    const untouched = await grant('untouched@example.com');

    const dump = join(work, 'backup.dump');
    execFileSync('pg_dump', ['--format=custom', '--file', dump, live.url]);

    // After the backup: a rotation, a revocation (RFC 7009), a new grant of a known client, a new client.
    const rotation = await refresh(rotated.tokens, rotated.client.client_id);
    assert.equal(rotation.status, 200);
    const afterRotation = (await rotation.json()) as TokenResponseBody;
    const revocation = await fetch(`${url}/api/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: revoked.tokens.refresh_token!,
        client_id: revoked.client.client_id,
      }),
    });
    assert.equal(revocation.status, 200);
    assert.equal((await postMcp(url, revoked.tokens.access_token, toolsList)).status, 401);
    const fresh = await grant('fresh@example.com', untouched.client);
    const newClient = await grant('newclient@example.com');
    await app.close();

    // The restore: a new database, the dump, the server on it (same public URL).
    const restored = await createTestDatabase({ empty: true });
    cleanup.push(() => restored.drop());
    execFileSync('pg_restore', ['--no-owner', '--exit-on-error', '--dbname', restored.url, dump]);
    app = await startServer(restored.url, port);

    // What the dump alone gives back: the grant revoked after the backup works again.
    assert.equal((await postMcp(url, revoked.tokens.access_token, toolsList)).status, 200);
    assert.equal((await postMcp(url, untouched.tokens.access_token, toolsList)).status, 200);

    // The runbook's SQL, with psql, while the server runs.
    const sql = join(work, 'restore.sql');
    writeFileSync(sql, restoreProcedure());
    const out = execFileSync('psql', ['-v', 'ON_ERROR_STOP=1', '-X', '-q', '-At', '-f', sql, restored.url], {
      encoding: 'utf8',
    });
    assert.equal(out.trim(), '3', 'the three grants live in the backup are revoked');

    const invalidGrant = async (tokens: TokenResponseBody, clientId: string, what: string) => {
      const res = await refresh(tokens, clientId);
      assert.equal(res.status, 400, what);
      assert.equal((await readJson(res)).error, 'invalid_grant', what);
      assert.equal(res.headers.get('cache-control'), 'no-store');
    };
    // Rotated after the backup: the old refresh token, consumed after the backup, is back unconsumed.
    await invalidGrant(rotated.tokens, rotated.client.client_id, 'refresh token consumed after the backup');
    await invalidGrant(afterRotation, rotated.client.client_id, 'refresh token issued after the backup');
    await invalidGrant(revoked.tokens, revoked.client.client_id, 'grant revoked after the backup');
    await invalidGrant(fresh.tokens, fresh.client.client_id, 'grant created after the backup');
    await invalidGrant(untouched.tokens, untouched.client.client_id, 'grant live in the backup');
    // A client registered after the backup does not exist any more.
    const unknownClient = await refresh(newClient.tokens, newClient.client.client_id);
    assert.equal(unknownClient.status, 401);
    assert.equal((await readJson(unknownClient)).error, 'invalid_client');
    for (const [what, token] of [
      ['rotated (old access token)', rotated.tokens.access_token],
      ['rotated (new access token)', afterRotation.access_token],
      ['revoked after the backup', revoked.tokens.access_token],
      ['created after the backup', fresh.tokens.access_token],
      ['client registered after the backup', newClient.tokens.access_token],
      ['live in the backup', untouched.tokens.access_token],
    ]) {
      assert.equal((await postMcp(url, token, toolsList)).status, 401, what);
    }

    // The server keeps working: a client authorizes again (sign-in and consent anew) and calls tools.
    const again = await obtainTokens(url, { email: 'rotated@example.com', client: rotated.client, resource });
    assert.equal((await postMcp(url, again.tokens.access_token, toolsList)).status, 200);
    assert.equal((await refresh(again.tokens, rotated.client.client_id)).status, 200);
  });
});
