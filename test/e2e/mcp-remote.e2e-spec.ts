// Checks that every tool is reachable from a standard MCP host: `mcp-remote` (the stdio bridge many
// desktop hosts use) signs the person in with the default scopes, lists notes_create, calls it, is sent
// through the step-up consent for notes:write (RS-SC-04/05) and the call succeeds. The host side is
// driven over stdio; the browser side (the URL mcp-remote prints) is played with the dev sign-in.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startTestApp, type TestApp } from '../support/app';
import { HttpSession, parseForms, type FollowResult } from '../support/http-session';
import { submitDevLoginForm } from '../support/sign-in';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The browser: sign in if asked, allow on the consent page, deliver the code to mcp-remote's callback. */
async function playBrowser(session: HttpSession, authorizeUrl: string): Promise<URL> {
  let step: FollowResult = await session.follow(authorizeUrl);
  if (!step.externalRedirect && parseForms(step.text).some((f) => f.action === '/auth/dev')) {
    step = await submitDevLoginForm(session, step, { email: 'frank@example.com', name: 'Frank' });
  }
  if (!step.externalRedirect) {
    const consent = parseForms(step.text).find((f) => f.action === '/oauth/authorize/decision');
    assert.ok(consent, `expected the consent page: ${step.text.slice(0, 300)}`);
    step = await session.submit(consent, step.url, { decision: 'allow' });
  }
  assert.ok(step.externalRedirect, 'the flow ends with a redirect to mcp-remote');
  const callback = new URL(step.externalRedirect);
  // mcp-remote may start its callback listener only after printing the URL (a person takes longer).
  for (let attempt = 0; ; attempt++) {
    try {
      const delivered = await fetch(callback);
      assert.ok(delivered.status < 400, `mcp-remote accepted the callback (${delivered.status})`);
      return new URL(authorizeUrl);
    } catch (error) {
      if (attempt >= 100 || !(error instanceof TypeError)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe('mcp-remote (stdio host bridge) reaches every tool', () => {
  let t: TestApp;
  let child: ChildProcessWithoutNullStreams;
  let configDir: string;
  let stderr = '';
  const authorizeUrls: string[] = [];
  const browser = () => new HttpSession(t.url);
  let session: HttpSession;
  const pending = new Map<number, (message: Json) => void>();

  function send(id: number, method: string, params: Json = {}): Promise<Json> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${method}:\n${stderr}`)), 45_000);
      pending.set(id, (message) => {
        clearTimeout(timer);
        resolve(message);
      });
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    });
  }

  before(async () => {
    t = await startTestApp();
    session = browser();
    configDir = await mkdtemp(join(tmpdir(), 'mcp-remote-'));
    const port = await freePort();
    child = spawn(
      process.execPath,
      [
        require.resolve('mcp-remote/dist/proxy.js'),
        `${t.url}/mcp`,
        String(port),
        '--host',
        '127.0.0.1',
        '--allow-http',
      ],
      {
        // No display and a failing BROWSER: mcp-remote prints the authorization URL; this test is the browser.
        env: { ...process.env, MCP_REMOTE_CONFIG_DIR: configDir, DISPLAY: '', BROWSER: 'false' },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      let newline: number;
      while ((newline = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, newline).trim();
        out = out.slice(newline + 1);
        if (!line) continue;
        const message = JSON.parse(line) as Json;
        if (typeof message.id === 'number' && pending.has(message.id)) pending.get(message.id)!(message);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      for (const match of stderr.matchAll(/^(http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?\S+)$/gm)) {
        if (authorizeUrls.includes(match[1])) continue;
        authorizeUrls.push(match[1]);
        void playBrowser(session, match[1]).catch((error: unknown) => {
          stderr += `\n[test] browser failed: ${String(error)}\n`;
        });
      }
    });
  });
  after(async () => {
    child?.kill();
    await t.close();
    await rm(configDir, { recursive: true, force: true });
  });

  it('signs in with the default scopes, sees notes_create, steps up to notes:write and creates the note', async () => {
    const init = await send(1, 'initialize', {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'stdio-host', version: '1.0.0' },
    });
    assert.ok(init.result, JSON.stringify(init));
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
    assert.equal(authorizeUrls.length, 1, stderr);
    // The challenge's default scopes, plus offline_access that the host adds because the authorization
    // server's metadata advertises it.
    assert.equal(
      new URL(authorizeUrls[0]).searchParams.get('scope'),
      'profile:read notes:read offline_access',
    );

    const list = await send(2, 'tools/list');
    const names = (list.result.tools as Json[]).map((x) => x.name as string);
    assert.ok(names.includes('notes_create'), names.join(', '));

    const created = await send(3, 'tools/call', {
      name: 'notes_create',
      arguments: { title: 'Via mcp-remote' },
    });
    assert.equal(created.error, undefined, `${JSON.stringify(created)}\n${stderr}`);
    assert.notEqual(created.result.isError, true, JSON.stringify(created));
    assert.equal(authorizeUrls.length, 2, 'a second consent (step-up) happened');
    assert.ok(new URL(authorizeUrls[1]).searchParams.get('scope')!.split(' ').includes('notes:write'));
    const notes: { title: string }[] = await t.dataSource.query('SELECT title FROM notes');
    assert.deepEqual(
      notes.map((n) => n.title),
      ['Via mcp-remote'],
    );
  });
});
