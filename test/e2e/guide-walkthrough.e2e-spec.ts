// Checks docs/guide.md "Try the whole flow with curl" is executed, so the guide cannot rot:
// every ```sh block of that section runs, in order, in one bash shell against a started server
// (BASE_URL), and each step's output is asserted. Requirements: AS-REG-*, AS-PK-*, AS-RT-*, RS-*.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app';

const SECTION = '## Try the whole flow with curl';

/** The fenced ```sh blocks of the walkthrough section, in order. */
function walkthroughBlocks(markdown: string): string[] {
  const start = markdown.indexOf(`\n${SECTION}\n`);
  assert.ok(start >= 0, `docs/guide.md has no "${SECTION}" section`);
  const end = markdown.indexOf('\n## ', start + SECTION.length + 1);
  const section = markdown.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

function runBash(
  script: string,
  env: Record<string, string>,
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, out, err });
    });
  });
}

describe('docs/guide.md curl walkthrough', () => {
  let app: TestApp;
  let scratch: string;
  let steps: string[];
  let run: { code: number; out: string; err: string };

  before(async () => {
    app = await startTestApp();
    scratch = mkdtempSync(join(tmpdir(), 'mcp-guide-'));
    const guide = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'guide.md'), 'utf8');
    const blocks = walkthroughBlocks(guide);
    assert.equal(blocks.length, 10, 'setup + 9 steps');
    // One shell, like a reader pasting the blocks in order; a marker before each block's output.
    const script = ['set -euo pipefail', ...blocks.map((b, i) => `printf '@@step ${i}@@\\n'\n${b}`)].join(
      '\n',
    );
    run = await runBash(script, { BASE_URL: app.url, TMPDIR: scratch });
    steps = run.out.split(/^@@step \d+@@\n/m).slice(1);
  });

  after(async () => {
    await app?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('runs every block to the end without an error', () => {
    assert.equal(run.code, 0, `bash exited ${run.code}\nstdout:\n${run.out}\nstderr:\n${run.err}`);
    assert.equal(steps.length, 10);
    assert.equal(steps[0], '', 'the setup prints nothing');
  });

  it('1. discovery: 401 with the resource metadata URL, then the metadata', () => {
    const lines = steps[1].trim().split('\n');
    assert.equal(
      lines[0].trim(),
      `WWW-Authenticate: Bearer resource_metadata="${app.url}/.well-known/oauth-protected-resource/mcp", scope="profile:read notes:read"`,
    );
    const metadata = JSON.parse(lines[1]) as Record<string, unknown>;
    assert.equal(metadata.resource, `${app.url}/mcp`);
    assert.deepEqual(metadata.authorization_servers, [app.url]);
  });

  it('2. registration returns a client_id that exists in the database', async () => {
    const match = /^client_id: (\S+)\n$/.exec(steps[2]);
    assert.ok(match, steps[2]);
    const rows: unknown[] = await app.dataSource.query(
      `SELECT 1 FROM oauth_clients WHERE client_id = $1 AND client_name = 'curl walkthrough'`,
      [match[1]],
    );
    assert.equal(rows.length, 1);
  });

  it('3. authorize sends the browser to the sign-in page with the pending request', () => {
    assert.match(
      steps[3],
      new RegExp(
        `^302 ${escape(app.url)}/login\\?return_to=%2Foauth%2Fauthorize%2Fcontinue%3Frequest_id%3D[^\\s]+\\n$`,
      ),
    );
  });

  it('4. the dev sign-in (CSRF token from the page) continues the request', () => {
    assert.match(
      steps[4],
      new RegExp(`^303 ${escape(app.url)}/oauth/authorize/continue\\?request_id=[^\\s]+\\n$`),
    );
  });

  it('5. consent lists the scopes and redirects with code, state and iss', () => {
    const lines = steps[5].trim().split('\n');
    assert.deepEqual(lines.slice(0, -1).sort(), ['data-scope="notes:write"', 'data-scope="profile:read"']);
    const redirect = /^303 (\S+)$/.exec(lines.at(-1)!);
    assert.ok(redirect, lines.at(-1));
    const url = new URL(redirect[1]);
    assert.equal(`${url.origin}${url.pathname}`, 'http://127.0.0.1:8765/callback');
    assert.match(url.searchParams.get('code') ?? '', /^\S{20,}$/);
    assert.equal(url.searchParams.get('state'), 'walkthrough-1');
    assert.equal(url.searchParams.get('iss'), app.url);
  });

  it('6. the code exchange returns a bearer token with the granted scopes', () => {
    const lines = steps[6].trim().split('\n');
    assert.equal(lines[0], '"token_type":"Bearer"');
    assert.equal(lines[1], '"expires_in":3600');
    assert.deepEqual(/^"scope":"(.*)"$/.exec(lines[2])?.[1].split(' ').sort(), [
      'notes:write',
      'profile:read',
    ]);
  });

  it('7. tools/list and tools/call work with the token', () => {
    const lines = steps[7].trim().split('\n');
    const names = lines.filter((l) => l.startsWith('"name":'));
    for (const tool of ['notes_create', 'notes_list', 'whoami'])
      assert.ok(names.includes(`"name":"${tool}"`), tool);
    const calls = lines.filter((l) => l.startsWith('{'));
    assert.equal(calls.length, 2, steps[7]);
    assert.match(calls[0], /"result":.*Hello from curl.* \(HTTP 200\)$/);
    assert.doesNotMatch(calls[0], /"isError":true/);
    assert.match(calls[1], /"result":.*ada@example\.com.* \(HTTP 200\)$/);
  });

  it('8. refresh rotates the tokens; the new access token works', () => {
    const lines = steps[8].trim().split('\n');
    assert.equal(lines[0], '"token_type":"Bearer"');
    assert.match(lines[1], /^"scope":"/);
    assert.match(lines[2], /"result":.*Hello from curl.* \(HTTP 200\)$/);
  });

  it('9. revoking the refresh token stops the access token', async () => {
    const lines = steps[9].trim().split('\n');
    assert.equal(lines[0], 'revoke: 200');
    assert.match(lines[1], / \(HTTP 401\)$/);
    const rows: Array<{ n: string }> = await app.dataSource.query(
      `SELECT count(*)::text AS n FROM oauth_grants WHERE revoked_at IS NOT NULL`,
    );
    assert.equal(rows[0].n, '1');
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
