// Checks LB-01..LB-09, UP-10, RS-TOK-02/03: three replicas behind nginx round robin, no sticky sessions.
// The official MCP SDK client goes through registration, sign-in with the (fake) GitHub, consent, token,
// tools/call and refresh while its requests land on every replica; a revocation on one replica is enforced by
// all within 1 s; a replica SIGKILLed in the middle of 200 concurrent tools/call loses nothing but the requests
// in flight on it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Client } from 'pg';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { NGINX, requestOnce, startCluster, type Cluster } from '../support/cluster';
import { startFakeGithub, type FakeGithub } from '../support/fake-providers/fake-github';
import { parseForms, type FollowResult } from '../support/http-session';
import { postMcp, TestOAuthProvider } from '../support/mcp-client';
import { providerLink } from '../support/sign-in';

/** The SDK's OAuth provider, signing in with GitHub instead of the dev login. */
class GithubSignInProvider extends TestOAuthProvider {
  override async redirectToAuthorization(url: URL): Promise<void> {
    const login = await this.session.follow(url.toString());
    const href = providerLink(login.text, 'github');
    assert.ok(href, `no GitHub button on ${login.url}`);
    const started = await this.session.follow(href);
    assert.ok(started.externalRedirect, 'GitHub sign-in leaves for the provider');
    // The fake GitHub approves at once and sends the browser back to our callback (any replica).
    const back: FollowResult = await this.session.follow(started.externalRedirect);
    if (!back.externalRedirect) {
      const consent = parseForms(back.text).find((f) => f.action === '/oauth/authorize/decision');
      assert.ok(consent, `expected the consent page, got ${back.response.status} at ${back.url}`);
    }
    // Hand the consent step to the base class's browser logic by replaying the now signed-in request.
    return super.redirectToAuthorization(url);
  }
}

const served = (log: string[]) => new Set(log.filter((s) => s !== 'none'));

describe('the MCP flow across replicas', { skip: !existsSync(NGINX) && process.env.CI !== 'true' }, () => {
  let c: Cluster;
  let github: FakeGithub;
  let db: Client;
  before(async () => {
    github = await startFakeGithub();
    github.currentUser = {
      id: 4242,
      login: 'octo',
      name: 'Octo Cat',
      emails: [{ email: 'octo@example.com', primary: true, verified: true }],
    };
    c = await startCluster({ replicas: 3, env: github.env() });
    db = new Client({ connectionString: c.database.url });
    await db.connect();
  });
  after(async () => {
    await db?.end();
    await c?.close();
    await github?.stop();
  });

  let provider: GithubSignInProvider;
  let mcp: { client: McpClient; transport: StreamableHTTPClientTransport };
  const servedBy: string[] = [];
  const recording: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    servedBy.push(res.headers.get('x-served-by') ?? 'none');
    return res;
  };

  it('registration, GitHub sign-in, consent, token and tools/call succeed while every replica serves part of it', async () => {
    provider = new GithubSignInProvider(c.url, {
      email: 'unused@example.com',
      clientName: 'Replica test client',
    });
    const open = async () => {
      const transport = new StreamableHTTPClientTransport(new URL(`${c.url}/mcp`), {
        authProvider: provider,
        fetch: recording,
      });
      const client = new McpClient({ name: 'replica-e2e', version: '1.0.0' });
      await client.connect(transport);
      return { client, transport };
    };
    try {
      mcp = await open();
    } catch (error) {
      assert.ok(error instanceof UnauthorizedError, String(error));
      const transport = new StreamableHTTPClientTransport(new URL(`${c.url}/mcp`), {
        authProvider: provider,
        fetch: recording,
      });
      await transport.finishAuth(provider.takeCode());
      mcp = await open();
    }
    const tools = await mcp.client.listTools();
    assert.ok(tools.tools.some((t) => t.name === 'whoami'));
    for (let i = 0; i < 3; i++) {
      const result = await mcp.client.callTool({ name: 'whoami', arguments: {} });
      assert.equal(result.isError ?? false, false);
      assert.match(JSON.stringify(result.content), /octo@example\.com/);
    }
    assert.deepEqual(
      [...served(servedBy)].sort(),
      ['replica-1', 'replica-2', 'replica-3'],
      servedBy.join(','),
    );
    const identities = await db.query(`SELECT provider, subject FROM user_identities`);
    assert.deepEqual(identities.rows, [{ provider: 'github', subject: '4242' }]);
  });

  it('revoking the access token on one replica → 401 on every replica within 1 s; the SDK then refreshes by itself', async () => {
    const access = provider.tokens()!.access_token;
    // Warm every replica's verifier cache with this token first.
    for (let i = 0; i < 6; i++) {
      assert.equal((await postMcp(c.url, access, { method: 'tools/list', params: {} })).status, 200);
    }
    const revoke = await fetch(`${c.url}/api/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: access,
        token_type_hint: 'access_token',
        client_id: provider.clientInformation()!.client_id,
      }).toString(),
    });
    assert.equal(revoke.status, 200);
    const revokedAt = Date.now();
    const seen = new Set<string>();
    while (seen.size < 3) {
      const res = await postMcp(c.url, access, { method: 'tools/list', params: {} });
      const by = res.headers.get('x-served-by')!;
      if (res.status === 401) seen.add(by);
      else assert.ok(Date.now() - revokedAt < 1000, `${by} still accepted the revoked token after 1 s`);
      await res.text();
    }
    const elapsed = Date.now() - revokedAt;
    process.stdout.write(`# revoked access token rejected by all 3 replicas after ${elapsed} ms\n`);
    assert.ok(elapsed < 1000);

    const before = provider.savedTokens.length;
    const result = await mcp.client.callTool({ name: 'whoami', arguments: {} });
    assert.equal(result.isError ?? false, false);
    assert.equal(provider.savedTokens.length, before + 1, 'the SDK refreshed after the 401');
    assert.notEqual(provider.tokens()!.access_token, access);
  });

  it('SIGKILL of a replica during 200 tools/call from 10 clients: only its in-flight requests fail', async () => {
    const token = provider.tokens()!.access_token;
    const victim = c.replicas[2];
    const statuses: number[] = [];
    const byReplica = new Map<string, number>();
    let sent = 0;
    let killed = false;
    const worker = async () => {
      while (sent < 200) {
        sent++;
        if (sent === 60 && !killed) {
          killed = true;
          victim.process.child.kill('SIGKILL');
        }
        const res = await postMcp(c.url, token, {
          method: 'tools/call',
          params: { name: 'whoami', arguments: {} },
        });
        statuses.push(res.status);
        const by = res.headers.get('x-served-by') ?? 'nginx';
        byReplica.set(by, (byReplica.get(by) ?? 0) + 1);
        await res.text();
      }
    };
    await Promise.all(Array.from({ length: 10 }, worker));
    await victim.process.exited;
    const ok = statuses.filter((s) => s === 200).length;
    const bad = statuses.filter((s) => s !== 200);
    process.stdout.write(
      `# SIGKILL during 200 calls: ${ok} ok, failures ${JSON.stringify(bad)}, by replica ${JSON.stringify([...byReplica])}\n`,
    );
    assert.equal(statuses.length, 200);
    // At most the requests that were in flight on the killed process (10 clients → at most 10).
    assert.ok(bad.length <= 10, `too many failures: ${bad.length}`);
    assert.ok(
      bad.every((s) => s === 502),
      `only gateway errors for the killed replica's in-flight requests: ${bad.join(',')}`,
    );

    // Nothing was lost: the token still works on the survivors, and the rows are whole.
    for (let i = 0; i < 4; i++) {
      assert.equal((await postMcp(c.url, token, { method: 'tools/list', params: {} })).status, 200);
    }
    const orphans = await db.query(
      `SELECT (SELECT count(*) FROM oauth_access_tokens t LEFT JOIN oauth_grants g ON g.id = t.grant_id WHERE g.id IS NULL)::int AS tokens,
              (SELECT count(*) FROM oauth_grants WHERE revoked_at IS NULL)::int AS live_grants`,
    );
    assert.deepEqual(orphans.rows[0], { tokens: 0, live_grants: 1 });
    await c.restart(victim);
  });

  it('SIGTERM of a replica during tools/call load: no request fails, it drains and exits 0', async () => {
    const token = provider.tokens()!.access_token;
    const victim = c.replicas[0];
    let ok = 0;
    const failures: string[] = [];
    let stop = false;
    const worker = async () => {
      while (!stop) {
        try {
          const res = await requestOnce(`${c.url}/mcp`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${token}`,
              accept: 'application/json, text/event-stream',
              'content-type': 'application/json',
            },
            body: JSON.stringify({
              jsonrpc: '2.0',
              id: 1,
              method: 'tools/call',
              params: { name: 'whoami', arguments: {} },
            }),
          });
          if (res.status === 200) ok++;
          else failures.push(`${res.status} from ${String(res.headers['x-served-by'])}`);
        } catch (error) {
          failures.push(String(error));
        }
      }
    };
    const workers = Array.from({ length: 10 }, worker);
    await new Promise((r) => setTimeout(r, 300));
    // As in Kubernetes: out of the balancer's rotation first (preStop), then SIGTERM while requests
    // that already reached it are still running.
    await c.markDown(victim);
    victim.process.child.kill('SIGTERM');
    const code = await victim.process.exited;
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await Promise.all(workers);
    process.stdout.write(
      `# SIGTERM during tools/call load: ${ok} ok, ${failures.length} failed, exit ${code}\n`,
    );
    assert.equal(code, 0, victim.process.output());
    assert.deepEqual(failures, [], `failed requests: ${failures.join(' | ')}`);
    assert.ok(ok > 20, `completed ${ok} calls`);
    await c.restart(victim);
  });
});
