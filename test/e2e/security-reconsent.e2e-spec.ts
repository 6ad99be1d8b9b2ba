// Checks EXT-RC-01..05 (re-consent when a scope starts to cover new tools) with the real authorization flow
// and restarts of the server on one database: a tool added under an approved scope gets the 403 step-up
// (RS-SC-04) for a token approved before it, the tools that were there keep working, the remembered
// consent shows the page again naming the new tool, and the token of that approval can call it;
// read-only tools are exempt only with RECONSENT_EXEMPT_READ_ONLY; older grants cover the first tools.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { postMcp } from '../support/mcp-client';
import { LaterNotesToolsModule } from '../support/reconsent-tools';
import { HttpSession, parseForms, type FollowResult } from '../support/http-session';
import { submitDevLoginForm } from '../support/sign-in';
import {
  authorizeUrl,
  obtainTokens,
  pkcePair,
  registerClient,
  type RegisteredClient,
} from '../support/oauth-flow';

const DECISION = '/oauth/authorize/decision';

interface CallAnswer {
  status: number;
  challenge: string | null;
  body: { result?: { isError?: boolean; structuredContent?: unknown }; error?: unknown } | null;
}

describe('re-consent when a scope starts to cover new tools (EXT-RC-*)', () => {
  let db: TestDatabase;
  let port: number;
  let t: TestApp | undefined;
  let url: string;
  let resource: string;
  let client: RegisteredClient;
  let session: HttpSession;
  /** alice's token, approved before the new tools existed. */
  let before1: string;
  /** bob's token, whose grant is made to look older than tool records (covered_tools NULL). */
  let legacy: string;
  /** alice's token after she approved again. */
  let reapproved: string;

  const restart = async (options: { newTools: boolean; exemptReadOnly?: boolean }) => {
    await t?.close();
    t = await startTestApp({
      database: db,
      port,
      extraModules: options.newTools ? [LaterNotesToolsModule] : [],
      env: {
        RATE_LIMIT_AUTHORIZE_PER_MINUTE: '10000',
        ...(options.exemptReadOnly !== undefined && {
          RECONSENT_EXEMPT_READ_ONLY: String(options.exemptReadOnly),
        }),
      },
    });
    assert.equal(t.url, url, 'same PUBLIC_URL, so the tokens keep their audience');
  };

  const call = async (
    token: string,
    name: string,
    args: Record<string, unknown> = {},
  ): Promise<CallAnswer> => {
    const res = await postMcp(url, token, { method: 'tools/call', params: { name, arguments: args } });
    const text = await res.text();
    return {
      status: res.status,
      challenge: res.headers.get('www-authenticate'),
      body: text ? (JSON.parse(text) as CallAnswer['body']) : null,
    };
  };

  /** One authorization request in alice's browser, without clicking anything. */
  const authorize = async (extra: Record<string, string> = {}): Promise<FollowResult> => {
    const page = await session.follow(
      authorizeUrl(url, {
        client_id: client.client_id,
        redirect_uri: client.redirect_uris[0],
        code_challenge: pkcePair().challenge,
        scope: 'notes:write profile:read',
        resource,
        state: 'st',
        ...extra,
      }),
    );
    return page.externalRedirect || !parseForms(page.text).some((f) => f.action === '/auth/dev')
      ? page
      : submitDevLoginForm(session, page, { email: 'alice@example.com' });
  };

  const coveredTools = async (token: string) => {
    const rows = await t!.dataSource.query<
      { covered: Record<string, { tools: Record<string, string> }> | null }[]
    >(
      `SELECT g.covered_tools AS covered FROM oauth_grants g JOIN oauth_access_tokens at ON at.grant_id = g.id
        WHERE at.token_hash = sha256(convert_to($1, 'UTF8'))`,
      [token],
    );
    return rows[0]?.covered;
  };

  before(async () => {
    db = await createTestDatabase();
    t = await startTestApp({ database: db, env: { RATE_LIMIT_AUTHORIZE_PER_MINUTE: '10000' } });
    url = t.url;
    port = Number(new URL(url).port);
    resource = `${url}/mcp`;
    // A confidential client: a remembered consent gives a code without any page.
    client = await registerClient(url, { token_endpoint_auth_method: 'client_secret_basic' });
    const alice = await obtainTokens(url, {
      email: 'alice@example.com',
      client,
      scope: 'notes:write profile:read',
      resource,
    });
    session = alice.session;
    before1 = alice.tokens.access_token;
    const bob = await obtainTokens(url, { email: 'bob@example.com', client, scope: 'notes:write', resource });
    legacy = bob.tokens.access_token;
  });
  after(async () => {
    await t?.close();
    await db?.drop();
  });

  it('before any change, the grant records each approved scope with its tools, and the consent is remembered', async () => {
    const covered = await coveredTools(before1);
    assert.ok(covered, 'covered_tools recorded');
    assert.deepEqual(Object.keys(covered).sort(), ['notes:read', 'notes:write', 'profile:read']);
    assert.deepEqual(Object.keys(covered['notes:write'].tools).sort(), ['notes_create', 'notes_delete']);
    assert.deepEqual(Object.keys(covered['notes:read'].tools).sort(), ['notes_get', 'notes_list']);
    const again = await authorize();
    assert.ok(again.externalRedirect, 'no page: the remembered consent covers the request');
    await t!.dataSource.query(
      `UPDATE oauth_grants SET covered_tools = NULL
        WHERE id = (SELECT grant_id FROM oauth_access_tokens WHERE token_hash = sha256(convert_to($1, 'UTF8')))`,
      [legacy],
    );
  });

  it('after a deployment adds notes_purge under notes:write, the old token gets the 403 step-up for it', async () => {
    await restart({ newTools: true, exemptReadOnly: true });
    const answer = await call(before1, 'notes_purge', { confirm: true });
    assert.equal(answer.status, 403);
    assert.equal(
      answer.challenge,
      `Bearer error="insufficient_scope", scope="notes:write", resource_metadata="${url}/.well-known/oauth-protected-resource/mcp"`,
    );
    let refusals = 0;
    for (let i = 0; i < 60 && refusals === 0; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 50));
      const [row] = await t!.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM audit_events WHERE type = 'tool.called'
            AND detail->>'tool' = 'notes_purge' AND detail->>'outcome' = 'insufficient_scope'`,
      );
      refusals = row.n;
    }
    assert.equal(refusals, 1, 'the refusal is audited like any insufficient_scope');
  });

  it('the tools that were there keep working with the old token', async () => {
    const created = await call(before1, 'notes_create', { title: 'still fine' });
    assert.equal(created.status, 200);
    assert.equal(created.body?.result?.isError, undefined);
    assert.equal((await call(before1, 'notes_list')).status, 200);
    assert.equal((await call(before1, 'whoami')).status, 200);
  });

  it('a read-only new tool is exempt while RECONSENT_EXEMPT_READ_ONLY is on (EXT-RC-04)', async () => {
    const counted = await call(before1, 'notes_count');
    assert.equal(counted.status, 200);
    assert.equal(counted.body?.result?.isError, undefined);
  });

  it('a grant stored before tool records covers the first tools only (EXT-RC-05)', async () => {
    assert.equal(await coveredTools(legacy), null);
    assert.equal((await call(legacy, 'notes_create', { title: 'old grant' })).status, 200);
    assert.equal((await call(legacy, 'notes_purge', { confirm: true })).status, 403);
  });

  it('tools/list still lists every tool, marking the one the approval did not cover', async () => {
    const res = await postMcp(url, before1, { method: 'tools/list', params: {} });
    assert.equal(res.status, 200);
    const { result } = (await res.json()) as {
      result: { tools: { name: string; _meta: Record<string, unknown> }[] };
    };
    const meta = (name: string) => result.tools.find((x) => x.name === name)?._meta;
    // Listed with their scopes; the one this token's approval did not cover is marked.
    assert.deepEqual(meta('notes_purge'), {
      'dev.mcp-auth-server/requiredScopes': ['notes:write'],
      'dev.mcp-auth-server/consentRequired': true,
    });
    assert.deepEqual(meta('notes_count'), { 'dev.mcp-auth-server/requiredScopes': ['notes:read'] }, 'exempt');
    assert.deepEqual(meta('notes_create'), { 'dev.mcp-auth-server/requiredScopes': ['notes:write'] });
  });

  it('prompt=none cannot skip the new tools: consent_required', async () => {
    const answer = await authorize({ prompt: 'none' });
    // A self-registered client's redirect URI is not trusted with errors: the page shows the error and
    // a return link carrying it, and no code.
    assert.equal(answer.externalRedirect, undefined);
    assert.match(answer.text, /<code id="error-code">consent_required<\/code>/);
    assert.doesNotMatch(answer.text, /code&#x3D;mcp_ac_/);
  });

  it('the remembered consent shows the page again, naming the new tool; after approval the call works', async () => {
    const page = await authorize();
    assert.equal(page.externalRedirect, undefined, 'no silent code: the consent does not cover notes_purge');
    const form = parseForms(page.text).find((f) => f.action === DECISION);
    assert.ok(form, 'the consent page');
    assert.equal(form.fields.remembered, undefined, 'the full page, not the one-click one');
    const newTools = /<div id="new-tools">([\s\S]*?)<\/div>/.exec(page.text)?.[1] ?? '';
    assert.match(newTools, /data-tool="notes_purge"/);
    assert.match(newTools, /Purge all notes/);
    assert.match(newTools, /Delete every note of the signed-in user at once\. This cannot be undone\./);
    assert.doesNotMatch(newTools, /notes_count/, 'exempt read-only tools are not news');
    assert.doesNotMatch(newTools, /notes_create/, 'approved before, unchanged');

    const approved = await obtainTokens(url, {
      email: 'alice@example.com',
      client,
      session,
      scope: 'notes:write profile:read',
      resource,
    });
    reapproved = approved.tokens.access_token;
    const purge = await call(reapproved, 'notes_purge', { confirm: true });
    assert.equal(purge.status, 200);
    assert.equal(purge.body?.result?.isError, undefined);
    const covered = await coveredTools(reapproved);
    assert.ok(covered?.['notes:write'].tools.notes_purge, 'the new grant records notes_purge');
    const consent = await t!.dataSource.query<
      { covered: Record<string, { tools: Record<string, string> }> }[]
    >(
      `SELECT c.covered_tools AS covered FROM oauth_consents c JOIN users u ON u.id = c.user_id
        WHERE u.email = 'alice@example.com' AND c.client_id = $1`,
      [client.client_id],
    );
    assert.ok(consent[0].covered['notes:write'].tools.notes_purge, 'and so does the consent');
    assert.ok(consent[0].covered['notes:read'].tools.notes_count, 'with every tool of the approved scopes');
    const again = await authorize();
    assert.ok(again.externalRedirect, 'remembered again: no page');
  });

  it('without the exemption a read-only new tool needs consent too; a token approved with it can call it', async () => {
    await restart({ newTools: true });
    const old = await call(before1, 'notes_count');
    assert.equal(old.status, 403);
    assert.match(old.challenge ?? '', /^Bearer error="insufficient_scope", scope="notes:read", /);
    assert.equal((await call(reapproved, 'notes_count')).status, 200);
    assert.equal((await call(reapproved, 'notes_purge', { confirm: true })).status, 200);
  });
});
