// Checks: the documented local demo, `docker compose up` — docker-compose.yml parses (with the real
// `docker-compose config` when installed), the environment it gives the app and the migration passes the
// app's config validation as is, and the app started with that environment serves a sign-in page on which
// a person can sign in.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { parse } from 'yaml';
import { ConfigValidationError } from '@app/config';
import { loadAppConfig } from '../../apps/server/src/config-slices';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { freePort } from '../support/app';
import { HttpSession } from '../support/http-session';
import { signInWithDevLogin } from '../support/sign-in';
import { spawnServer, waitForStatus, type ServerProcess } from '../support/process';

const ROOT = join(__dirname, '..', '..', '..');
const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');

interface ComposeService {
  environment?: Record<string, string | number | null>;
  ports?: (string | { published: number | string; target: number | string })[];
  tmpfs?: string | string[];
  restart?: string;
  read_only?: boolean;
}

/**
 * The file as compose sees it, with no variables of ours set: `docker-compose config` (interpolation,
 * anchors, validation) when the binary is there, else the `yaml` package with `${VAR:-default}` resolved.
 */
function composeConfig(): { services: Record<string, ComposeService>; by: string } {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  const cli = spawnSync('docker-compose', ['-f', COMPOSE_FILE, 'config'], { encoding: 'utf8', env });
  if (!cli.error) {
    assert.equal(cli.status, 0, `docker-compose config failed: ${cli.stderr}`);
    return { ...(parse(cli.stdout) as { services: Record<string, ComposeService> }), by: 'docker-compose' };
  }
  const text = readFileSync(COMPOSE_FILE, 'utf8').replace(
    /\$\{([A-Z0-9_]+)(?::-([^}]*))?\}/g,
    (_m, _name: string, fallback?: string) => fallback ?? '',
  );
  return { ...(parse(text, { merge: true }) as { services: Record<string, ComposeService> }), by: 'yaml' };
}

function environmentOf(service: ComposeService): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([k, v]) => [k, v === null ? '' : String(v)]),
  );
}

describe('docker-compose.yml (the local demo)', () => {
  const { services, by } = composeConfig();
  const app = services.app;
  const appEnv = environmentOf(app);
  let db: TestDatabase;
  let server: ServerProcess | undefined;
  before(async () => {
    process.stdout.write(`# docker-compose.yml read with ${by}\n`);
    db = await createTestDatabase();
  });
  after(async () => {
    server?.child.kill('SIGKILL');
    await db.drop();
  });

  it('serves http://localhost:3000 with a writable /tmp, a read-only root and a restart policy', () => {
    assert.equal(appEnv.PUBLIC_URL, 'http://localhost:3000');
    assert.equal(appEnv.PORT, '3000');
    const ports = (app.ports ?? []).map((p) => (typeof p === 'string' ? p : `${p.published}:${p.target}`));
    assert.deepEqual(ports, ['3000:3000']);
    assert.deepEqual([app.tmpfs ?? []].flat(), ['/tmp']);
    assert.equal(app.read_only, true);
    assert.equal(app.restart, 'unless-stopped');
    assert.equal(services.postgres.restart, 'unless-stopped');
    assert.equal(services.migrate.restart, 'no', 'the migration runs once');
  });

  it("the app's and the migration's environments pass the config validation: development, dev login on", () => {
    for (const name of ['app', 'migrate']) {
      const config = loadAppConfig(environmentOf(services[name]));
      assert.equal(config.env, 'development', name);
      assert.equal(config.publicUrl, 'http://localhost:3000', name);
      assert.equal(config.devLogin, true, name);
      assert.equal(config.database.url, 'postgres://mcp:mcp@postgres:5432/mcp_auth', name);
      assert.equal(config.database.migrateOnStart, false, 'the migrate service does it');
    }
    // Why development: production would refuse this plain-http demo and its dev login.
    assert.throws(
      () => loadAppConfig({ ...appEnv, NODE_ENV: 'production' }),
      (e: unknown) =>
        e instanceof ConfigValidationError &&
        e.problems.some((p) => p.startsWith('PUBLIC_URL must be an https:// URL')) &&
        e.problems.some((p) => p.startsWith('DEV_LOGIN=true is refused')),
    );
  });

  it('the app started with that environment shows the sign-in page, and a person can sign in', async () => {
    const port = await freePort();
    // What the port mapping and the compose network do: another port here, the test's database.
    server = spawnServer({
      ...appEnv,
      PORT: String(port),
      PUBLIC_URL: `http://localhost:${port}`,
      DATABASE_URL: db.url,
    });
    await waitForStatus(`http://127.0.0.1:${port}/readyz`, 200, 30000, server);
    const session = new HttpSession(`http://localhost:${port}`);
    const page = await session.follow('/login');
    assert.equal(page.response.status, 200);
    assert.match(page.text, /data-testid="dev-only"/, 'the dev login is labelled as development only');
    const landed = await signInWithDevLogin(session, { email: 'demo@example.com', name: 'Demo' });
    assert.equal(landed.response.status, 200, landed.text.slice(0, 300));
    const client = new Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query('SELECT email FROM users');
    await client.end();
    assert.deepEqual(rows, [{ email: 'demo@example.com' }]);
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0, server.output());
  });
});
