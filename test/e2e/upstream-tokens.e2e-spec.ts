// Checks the upstream token vault (UP-11..UP-15, RS-TOK-06) through the real flow against the fake GitHub:
// sign-in asks for the tools' GitHub scopes and says so; github_repos lists the caller's own repositories
// with their GitHub token (never the MCP token); an expired token is refreshed, a revoked one gives
// "sign in to GitHub again"; Disconnect on /account and sign-out-everywhere delete the row, revoking the
// MCP grant does not; a pg_dump and the trace log hold no upstream token and no email-link token in clear.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Writable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import pino from 'pino';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app';
import { startFakeGithub, type FakeGithub, type FakeGithubUser } from '../support/fake-providers/fake-github';
import { signInLinkOf, startFakeSmtp, type FakeSmtp } from '../support/fake-smtp';
import { HttpSession, parseForms } from '../support/http-session';
import { postMcp } from '../support/mcp-client';
import { obtainTokens } from '../support/oauth-flow';
import { requestEmailLink, signInWithProvider } from '../support/sign-in';

const alice: FakeGithubUser = {
  id: 201,
  login: 'alice',
  name: 'Alice',
  emails: [{ email: 'alice@corp.example', primary: true, verified: true }],
  repos: [{ name: 'wonderland', private: true }, { name: 'looking-glass' }],
};
const bob: FakeGithubUser = {
  id: 202,
  login: 'bob',
  name: 'Bob',
  emails: [{ email: 'bob@corp.example', primary: true, verified: true }],
  repos: [{ name: 'builder' }],
};

interface ToolAnswer {
  isError?: boolean;
  content: { type: string; text: string }[];
  structuredContent?: { repositories: { fullName: string; private: boolean }[] };
}

describe("upstream tokens: tools act on the person's own GitHub account", () => {
  let fake: FakeGithub;
  let smtp: FakeSmtp;
  let t: TestApp;
  const mailedTokens: string[] = [];
  const mcpTokens: string[] = [];
  /** Every log line of the app, at trace level. */
  let logged = '';

  before(async () => {
    fake = await startFakeGithub();
    smtp = await startFakeSmtp();
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged += chunk.toString('utf8');
        done();
      },
    });
    t = await startTestApp({
      logger: pino({ level: 'trace' }, sink),
      env: fake.env({
        ...smtp.env(),
        // GitHub Enterprise Server style: the API under /api/v3, the profile URLs derived from it.
        GITHUB_API_URL: `${fake.url}/api/v3`,
        GITHUB_USER_PROFILE_URL: '',
        GITHUB_USER_EMAIL_URL: '',
        GITHUB_TOOLS: 'true',
        UPSTREAM_TOKEN_KEY: randomBytes(32).toString('base64'),
      }),
    });
  });
  after(async () => {
    await t?.close();
    await smtp?.stop();
    await fake?.stop();
  });
  beforeEach(() => {
    fake.expiringTokens = undefined;
    fake.refreshDelayMs = 0;
  });

  const userIdOf = async (login: string): Promise<string> => {
    const rows = await t.dataSource.query<{ user_id: string }[]>(
      `SELECT user_id FROM user_identities WHERE provider = 'github' AND username = $1`,
      [login],
    );
    return rows[0].user_id;
  };
  const tokenRows = async (login: string) =>
    t.dataSource.query<{ provider: string; access_token: Buffer; refresh_token: Buffer | null }[]>(
      'SELECT provider, access_token, refresh_token FROM upstream_tokens WHERE user_id = $1',
      [await userIdOf(login)],
    );

  /** Signs in with GitHub in a fresh browser, then authorizes an MCP client there for github:read. */
  const connect = async (user: FakeGithubUser) => {
    fake.currentUser = user;
    const browser = new HttpSession(t.url);
    const landed = await signInWithProvider(browser, 'github');
    assert.equal(landed.response.status, 200, landed.text.slice(0, 300));
    const { tokens } = await obtainTokens(t.url, {
      email: 'unused@example.com',
      scope: 'github:read',
      resource: `${t.url}/mcp`,
      session: browser,
    });
    mcpTokens.push(tokens.access_token);
    return { browser, mcpToken: tokens.access_token };
  };
  const repos = async (mcpToken: string): Promise<ToolAnswer> => {
    const res = await postMcp(t.url, mcpToken, {
      method: 'tools/call',
      params: { name: 'github_repos', arguments: {} },
    });
    assert.equal(res.status, 200);
    return ((await res.json()) as { result: ToolAnswer }).result;
  };
  const names = (answer: ToolAnswer) => answer.structuredContent?.repositories.map((r) => r.fullName);

  it("the sign-in page says GitHub will be asked for the tools' scopes, and the request asks for them", async () => {
    const page = await new HttpSession(t.url).follow('/login');
    const note = /<p[^>]*data-upstream-provider="github"[^>]*>([\s\S]*?)<\/p>/.exec(page.text)?.[1] ?? '';
    assert.match(note, /github_repos/);
    assert.match(note, /<code>repo<\/code>/);
    const before = fake.authorizeRequests.length;
    await connect(alice);
    const scope = fake.authorizeRequests[before].scope ?? '';
    assert.deepEqual(scope.split(/[ ,]/).sort(), ['read:user', 'repo', 'user:email']);
  });

  it("github_repos lists the caller's own repositories with their GitHub token, never the MCP token", async () => {
    const a = await connect(alice);
    const b = await connect(bob);
    const seen = fake.apiAuthorizations.length;
    assert.deepEqual(names(await repos(a.mcpToken)), ['alice/wonderland', 'alice/looking-glass']);
    assert.deepEqual(names(await repos(b.mcpToken)), ['bob/builder']);
    assert.deepEqual(fake.apiPaths.slice(seen), ['/api/v3/user/repos', '/api/v3/user/repos']);
    const sent = fake.apiAuthorizations.slice(seen);
    assert.equal(sent.length, 2);
    for (const auth of sent) {
      assert.match(auth, /^Bearer gho_[0-9a-f]{36}$/);
      assert.ok(!auth.includes(a.mcpToken) && !auth.includes(b.mcpToken), 'an MCP token reached GitHub');
    }
    const [row] = await tokenRows('alice');
    assert.equal(row.provider, 'github');
    assert.equal(row.refresh_token, null);
    for (const token of fake.issuedAccessTokens) {
      assert.ok(!row.access_token.includes(Buffer.from(token)), 'a token is stored in clear');
    }
  });

  it('an expired token is refreshed before the call, and a 401 on a live one refreshes once', async () => {
    fake.expiringTokens = { expiresIn: 3600, refreshExpiresIn: 86400 };
    const b = await connect(bob);
    const [stored] = await tokenRows('bob');
    assert.ok(stored.refresh_token, 'the refresh token is kept');
    // The database says expired: refresh first, then call.
    await t.dataSource.query(
      `UPDATE upstream_tokens SET access_expires_at = now() - interval '1 minute' WHERE user_id = $1`,
      [await userIdOf('bob')],
    );
    let refreshes = fake.refreshRequests.length;
    assert.deepEqual(names(await repos(b.mcpToken)), ['bob/builder']);
    assert.equal(fake.refreshRequests.length, refreshes + 1);
    // GitHub says expired while the database thinks it is fresh: one refresh, one retry.
    fake.expireAccessTokens();
    refreshes = fake.refreshRequests.length;
    assert.deepEqual(names(await repos(b.mcpToken)), ['bob/builder']);
    assert.equal(fake.refreshRequests.length, refreshes + 1);
    // The new token is used until it expires: no refresh.
    assert.deepEqual(names(await repos(b.mcpToken)), ['bob/builder']);
    assert.equal(fake.refreshRequests.length, refreshes + 1);
  });

  it('revoked upstream (401, or the refresh refused) gives "sign in to GitHub again" and forgets the token', async () => {
    const reconnect = `${t.url}/auth/github?return_to=%2Faccount`;
    const a = await connect(alice);
    fake.revoke(alice.id);
    const answer = await repos(a.mcpToken);
    assert.equal(answer.isError, true);
    assert.match(answer.content[0].text, /Sign in to GitHub again/);
    assert.ok(answer.content[0].text.includes(reconnect), answer.content[0].text);
    assert.equal((await tokenRows('alice')).length, 0);

    fake.expiringTokens = { expiresIn: 3600, refreshExpiresIn: 86400 };
    const b = await connect(bob);
    fake.revoke(bob.id);
    const refreshes = fake.refreshRequests.length;
    const refused = await repos(b.mcpToken);
    assert.equal(fake.refreshRequests.length, refreshes + 1, 'one refresh attempt, refused');
    assert.equal(refused.isError, true);
    assert.match(refused.content[0].text, /Sign in to GitHub again/);
    assert.equal((await tokenRows('bob')).length, 0);

    // Following the link reconnects: the tool works again with the same MCP token.
    await connect(alice);
    assert.deepEqual(names(await repos(a.mcpToken)), ['alice/wonderland', 'alice/looking-glass']);
  });

  it('revoking the MCP grant keeps the upstream token; Disconnect on /account deletes it (CSRF-protected)', async () => {
    const a = await connect(alice);
    const account = await a.browser.follow('/account');
    assert.match(account.text, /data-upstream-provider="github"/);
    const revoke = parseForms(account.text).find((f) => f.action.endsWith('/revoke'));
    assert.ok(revoke);
    await a.browser.submit(revoke, account.url);
    assert.equal((await tokenRows('alice')).length, 1, 'revoking an MCP grant keeps the upstream token');

    const page = await a.browser.follow('/account');
    const disconnect = parseForms(page.text).find((f) => f.action === '/account/upstream/github/disconnect');
    assert.ok(disconnect, 'the account page has a Disconnect button for GitHub');
    const forged = await a.browser.request('/account/upstream/github/disconnect', {
      method: 'POST',
      form: { csrf: 'forged' },
    });
    assert.equal(forged.status, 403);
    assert.equal((await tokenRows('alice')).length, 1);
    const done = await a.browser.submit(disconnect, page.url);
    assert.match(done.url, /\/account\?disconnected=1$/);
    assert.match(done.text, /id="no-upstream"/);
    assert.equal((await tokenRows('alice')).length, 0);

    const b = await connect(alice);
    const answer = await repos(b.mcpToken);
    assert.deepEqual(names(answer), ['alice/wonderland', 'alice/looking-glass']);
  });

  it('sign out everywhere ends every session and deletes the upstream token; the MCP grant stays', async () => {
    const a = await connect(alice);
    const other = await connect(alice);
    const userId = await userIdOf('alice');
    const account = await a.browser.follow('/account');
    const everywhere = parseForms(account.text).find((f) => f.action === '/logout/everywhere');
    assert.ok(everywhere, 'the account page has "Sign out everywhere"');
    await a.browser.submit(everywhere, account.url);
    const [sessions] = await t.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM login_sessions WHERE user_id = $1',
      [userId],
    );
    assert.equal(sessions.n, 0);
    assert.equal((await tokenRows('alice')).length, 0);
    assert.equal((await other.browser.follow('/account')).url.includes('/login'), true);
    // The MCP token still works (its grant is not revoked), but GitHub is no longer connected.
    const answer = await repos(other.mcpToken);
    assert.equal(answer.isError, true);
    assert.match(answer.content[0].text, /Sign in to GitHub to connect it/);
  });

  it('a pg_dump holds neither an upstream token nor an email-link token in clear', async () => {
    fake.expiringTokens = { expiresIn: 3600, refreshExpiresIn: 86400 };
    await connect(bob);
    await requestEmailLink(new HttpSession(t.url), 'carol@corp.example');
    mailedTokens.push(
      new URL(signInLinkOf(await smtp.nextMessage('carol@corp.example'))).searchParams.get('token')!,
    );
    const { stdout } = await promisify(execFile)('pg_dump', ['--data-only', t.database.url], {
      maxBuffer: 64 * 1024 * 1024,
    });
    assert.match(stdout, /upstream_tokens/);
    assert.match(stdout, /email_sign_in_links/);
    const secrets = [...fake.issuedAccessTokens, ...fake.issuedRefreshTokens, ...mailedTokens];
    assert.ok(fake.issuedRefreshTokens.length > 0 && mailedTokens.length > 0);
    for (const secret of secrets) {
      assert.ok(!stdout.includes(secret), 'a token appears in the dump');
      assert.ok(!stdout.includes(secret.slice(-20)), 'a fragment of a token appears in the dump');
      assert.ok(!stdout.includes(Buffer.from(secret).toString('hex')), 'a token appears hex-encoded');
    }
  });

  it('no upstream token, MCP token or email-link token reaches the log', () => {
    assert.match(logged, /github token of user [0-9a-f-]{36} refreshed/, 'the log was captured');
    const secrets = [...fake.issuedAccessTokens, ...fake.issuedRefreshTokens, ...mcpTokens, ...mailedTokens];
    for (const secret of secrets) {
      assert.ok(!logged.includes(secret.slice(-20)), 'a token (or a fragment) appears in the log');
    }
  });
});
