// Checks: the newcomer and operator paths on the real process — `npm start` on the embedded
// database (cold start, then restart keeping data; as root from a private 0700 folder), DATABASE_URL, refusal of bad production config, and
// graceful shutdown (SIGTERM lets an in-flight request finish, exit code 0).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase } from '../support/database';
import { freePort } from '../support/app';
import { spawnServer, waitForStatus } from '../support/process';

describe('the server process', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  });

  it('starts on the embedded PostgreSQL without DATABASE_URL, and again after a restart (data kept)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcp-embedded-'));
    await chmod(dir, 0o755); // PostgreSQL runs as the `postgres` OS user when we are root
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const port = await freePort();
    const env = { PORT: String(port), DATA_DIR: join(dir, 'data') };

    const first = spawnServer(env);
    cleanup.push(async () => first.child.kill('SIGKILL'));
    const cold = await waitForStatus(`http://127.0.0.1:${port}/readyz`, 200, 30000, first);
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0, first.output());
    assert.match(first.output(), /embedded PostgreSQL initialised/);

    const second = spawnServer(env);
    cleanup.push(async () => second.child.kill('SIGKILL'));
    const warm = await waitForStatus(`http://127.0.0.1:${port}/readyz`, 200, 30000, second);
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0, second.output());
    assert.doesNotMatch(second.output(), /embedded PostgreSQL initialised/, 'initdb must not run again');
    process.stdout.write(`# embedded start: cold ${cold} ms, warm ${warm} ms\n`);
  });

  it(
    'as root, starts on the embedded PostgreSQL from a private (0700) working folder with the default DATA_DIR',
    { skip: process.getuid?.() !== 0 && 'needs root (the OS user postgres runs the cluster)' },
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'mcp-private-')); // mode 0700: postgres cannot enter it
      await chmod(dir, 0o700);
      cleanup.push(() => rm(dir, { recursive: true, force: true }));
      const port = await freePort();
      const server = spawnServer({ PORT: String(port) }, { cwd: dir });
      cleanup.push(async () => server.child.kill('SIGKILL'));
      await waitForStatus(`http://127.0.0.1:${port}/readyz`, 200, 30000, server);
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0, server.output());
      // The cluster went where postgres can own it; the password stays in ./.data, root's only.
      const moved = /the OS user postgres cannot enter (\S+): the cluster lives in (\S+?)"/.exec(
        server.output(),
      );
      assert.ok(moved, server.output());
      assert.equal(moved[1], join(dir, '.data'));
      cleanup.push(() => rm(moved[2], { recursive: true, force: true }));
      const state = JSON.parse(await readFile(join(dir, '.data', 'embedded-postgres.json'), 'utf8')) as {
        clusterDir: string;
      };
      assert.equal(state.clusterDir, moved[2]);
      assert.equal((await stat(join(dir, '.data', 'embedded-postgres.json'))).mode & 0o077, 0);
    },
  );

  it('uses DATABASE_URL when set, and a SIGTERM lets an in-flight request finish and exits 0', async () => {
    const db = await createTestDatabase();
    cleanup.push(() => db.drop());
    const port = await freePort();
    const server = spawnServer({ PORT: String(port), DATABASE_URL: db.url, MIGRATE_ON_START: 'false' });
    cleanup.push(async () => server.child.kill('SIGKILL'));
    await waitForStatus(`http://127.0.0.1:${port}/readyz`, 200, 20000, server);
    assert.match(server.output(), /"database":"external"/);

    // A slow client: headers and half of a JSON body, so the request is in flight when SIGTERM arrives.
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    let response = '';
    socket.on('data', (c: Buffer) => (response += c.toString()));
    const body = JSON.stringify({ hello: 'world', padding: 'x'.repeat(50) });
    socket.write(
      `POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    socket.write(body.slice(0, 10));
    await new Promise((r) => setTimeout(r, 200));
    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(server.child.exitCode, null, 'the server waits for the in-flight request');
    const refused = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      () => false,
      () => true,
    );
    assert.ok(refused, 'no new connections are accepted while draining');
    socket.write(body.slice(10));
    assert.equal(await server.exited, 0, server.output());
    assert.match(response, /^HTTP\/1\.1 404 /, 'the in-flight request got its answer');
    assert.match(server.output(), /shutdown complete/);
  });

  it('refuses to start in production without SESSION_SECRET, naming the variable', async () => {
    const server = spawnServer({ NODE_ENV: 'production', PUBLIC_URL: 'https://mcp.example.com', PORT: '0' });
    const code = await server.exited;
    assert.equal(code, 1);
    assert.match(server.output(), /SESSION_SECRET is required when NODE_ENV=production/);
    assert.match(server.output(), /The server did not start/);
  });
});
