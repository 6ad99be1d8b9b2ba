// Checks: the official MCP conformance suite (@modelcontextprotocol/conformance, `authorization`
// scenarios: authorization-server-metadata-endpoint, authorization-code-grant) passes against our AS
// (AS-MD-12, AS-PK-07), driven headlessly: the suite prints the authorize URL, this test plays the user.
// Run with `npm run test:conformance` (it installs Node 22 and the suite into .cache/conformance).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startTestApp, type TestApp } from '../support/app';
import { HttpSession, parseForms, type FollowResult } from '../support/http-session';

// None: client_id_metadata_document_supported is advertised (AS-MD-11).
const KNOWN_WARNINGS: string[] = [];
const NODE = process.env.CONFORMANCE_NODE;
const CLI = process.env.CONFORMANCE_CLI;

interface Check {
  id: string;
  name: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';
  description?: string;
  errorMessage?: string;
}

async function findChecks(dir: string): Promise<Check[]> {
  const out: Check[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name === 'checks.json') {
      out.push(...(JSON.parse(await readFile(join(entry.parentPath, entry.name), 'utf8')) as Check[]));
    }
  }
  return out;
}

/** Plays the person in the browser: signs in with the dev login if asked, then approves the consent page. */
async function actAsUser(session: HttpSession, authorizeUrl: string): Promise<string> {
  let page: FollowResult = await session.follow(authorizeUrl);
  for (let step = 0; step < 4 && !page.externalRedirect; step++) {
    assert.equal(page.response.status, 200, `unexpected page ${page.url}: ${page.text.slice(0, 300)}`);
    const forms = parseForms(page.text);
    const login = forms.find((f) => 'email' in f.fields);
    if (login) {
      page = await session.submit(login, page.url, {
        email: 'conformance@example.com',
        name: 'Conformance Runner',
      });
      continue;
    }
    const consent = forms.find((f) => f.buttons.some((b) => /allow|approve/i.test(b.value)));
    assert.ok(consent, `no login or consent form on ${page.url}`);
    const allow = consent.buttons.find((b) => /allow|approve/i.test(b.value))!;
    page = await session.submit(consent, page.url, { [allow.name]: allow.value });
  }
  assert.ok(page.externalRedirect, 'the flow ends with a redirect to the client');
  return page.externalRedirect;
}

describe('MCP conformance suite: authorization server scenarios', { skip: !NODE || !CLI }, () => {
  let t: TestApp;
  let outDir: string;
  before(async () => {
    t = await startTestApp();
    outDir = await mkdtemp(join(tmpdir(), 'conformance-'));
  });
  after(async () => {
    await t.close();
    await rm(outDir, { recursive: true, force: true });
  });

  it('passes authorization-server-metadata-endpoint and authorization-code-grant', async () => {
    const port = await freePort();
    const redirectUri = `http://127.0.0.1:${port}/callback`;
    const registration = await fetch(`${t.url}/api/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'MCP conformance suite',
        redirect_uris: [redirectUri],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      }),
    });
    assert.equal(registration.status, 201);
    const client = (await registration.json()) as { client_id: string };

    const child = spawn(
      NODE!,
      [
        CLI!,
        'authorization',
        '--url',
        t.url,
        '--client-id',
        client.client_id,
        '--resource',
        `${t.url}/mcp`,
        '--port',
        String(port),
        '-o',
        outDir,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const authorizeUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no authorize URL printed:\n${output}`)), 30000);
      child.stdout.on('data', (c: Buffer) => {
        output += c.toString();
        const match = output.match(
          new RegExp(`^(${t.url.replace(/[.]/g, '\\.')}/oauth/authorize\\?\\S+)$`, 'm'),
        );
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      void exited.then(() => reject(new Error(`suite exited early:\n${output}`)));
    });

    const callback = await actAsUser(new HttpSession(t.url), authorizeUrl);
    assert.ok(callback.startsWith(`${redirectUri}?`), callback);
    const delivered = await fetch(callback);
    assert.ok(delivered.status < 500, 'the suite accepted the callback');

    const code = await exited;
    const checks = await findChecks(outDir);
    const summary = checks
      .map((c) => `${c.status} ${c.id}${c.errorMessage ? `: ${c.errorMessage}` : ''}`)
      .join('\n');
    process.stdout.write(`# conformance checks:\n${summary.replace(/^/gm, '#   ')}\n`);
    assert.ok(checks.length >= 2, `expected results for both scenarios:\n${output}`);
    assert.deepEqual(
      checks.filter((c) => c.status === 'FAILURE').map((c) => c.id),
      [],
      summary,
    );
    // No warning is accepted: Client ID Metadata Documents (AS-MD-11) are supported.
    assert.deepEqual(
      checks.filter((c) => c.status === 'WARNING').map((c) => c.id),
      KNOWN_WARNINGS,
      summary,
    );
    for (const id of ['authorization-server-metadata', 'authorization-code-grant']) {
      assert.equal(checks.find((c) => c.id === id)?.status, 'SUCCESS', `${id} must pass`);
    }
    assert.equal(code, 0, output);
  });
});
