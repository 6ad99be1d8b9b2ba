// One describe per authorize check (docs/architecture.md C2): each check alone, with fakes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '@app/config';
import {
  InvalidRedirectUriError,
  InvalidRequestError,
  InvalidScopeError,
  InvalidTargetError,
  UnknownClientError,
  UnsupportedResponseTypeError,
} from '../../common/oauth-errors';
import { paramReader } from '../../common/params';
import { fakeScopeRegistry } from '../../common/testing';
import type { OAuthClientEntity } from '../../entities/oauth-client.entity';
import type { AuthorizeCheck, AuthorizeContext, AuthorizeDependencies } from '../authorize-context';
import { checkClient } from './check-client';
import { checkPkce } from './check-pkce';
import { checkPrompt } from './check-prompt';
import { checkRedirectUri } from './check-redirect-uri';
import { checkResource } from './check-resource';
import { checkResponseType } from './check-response-type';
import { checkScope } from './check-scope';
import { AUTHORIZE_CHECKS } from './index';

const client = (redirectUris: string[]) =>
  ({ clientId: 'mcpc_a', redirectUris, responseTypes: ['code'] }) as unknown as OAuthClientEntity;
const DOC_URL = 'https://app.example/client.json';
const urlClient = (redirectUris: string[]) =>
  ({
    clientId: 'cimd_x',
    redirectUris,
    responseTypes: ['code'],
    createdVia: 'cimd',
  }) as unknown as OAuthClientEntity;
const deps: AuthorizeDependencies = {
  findClient: async (id) =>
    id === 'mcpc_a' ? client(['https://a.example/cb']) : id === 'cimd_x' ? urlClient([]) : null,
  resolveUrlClient: async (id) => {
    if (id === DOC_URL) return urlClient(['https://app.example/cb']);
    throw new UnknownClientError('The client metadata document could not be fetched');
  },
  scopes: fakeScopeRegistry(),
  config: loadConfig({ PUBLIC_URL: 'https://mcp.example.com' }),
};
const ctx = (query: Record<string, unknown>, extra: Partial<AuthorizeContext> = {}): AuthorizeContext => ({
  param: paramReader(query),
  ...extra,
});
const run = async (check: AuthorizeCheck, c: AuthorizeContext) => {
  await check.run(c, deps);
  return c;
};
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

describe('authorize checks run in RFC order', () => {
  it('client, redirect_uri, response_type, pkce, scope, resource, prompt', () => {
    assert.deepEqual(
      AUTHORIZE_CHECKS.map((c) => c.name),
      [
        'check_client',
        'check_redirect_uri',
        'check_response_type',
        'check_pkce',
        'check_scope',
        'check_resource',
        'check_prompt',
      ],
    );
  });
});

describe('check_client', () => {
  it('finds the client', async () =>
    assert.equal((await run(checkClient, ctx({ client_id: 'mcpc_a' }))).client?.clientId, 'mcpc_a'));
  it('missing → invalid_request', async () => assert.rejects(run(checkClient, ctx({})), InvalidRequestError));
  it('unknown → invalid_client (400, not redirectable)', async () => {
    await assert.rejects(run(checkClient, ctx({ client_id: 'nope' })), (e: unknown) => {
      assert.ok(e instanceof UnknownClientError);
      assert.equal(e.status, 400);
      assert.equal(e.error, 'invalid_client');
      assert.equal(e.redirectable, false);
      return true;
    });
  });
  it('repeated → invalid_request', async () =>
    assert.rejects(run(checkClient, ctx({ client_id: ['a', 'b'] })), InvalidRequestError));
  // AS-REG-04: a URL client_id goes to its metadata document, whatever its length.
  it('an https URL is resolved through its metadata document', async () =>
    assert.equal((await run(checkClient, ctx({ client_id: DOC_URL }))).client?.clientId, 'cimd_x'));
  it('a URL whose document cannot be used → invalid_client (not redirectable)', async () =>
    assert.rejects(
      run(checkClient, ctx({ client_id: 'https://other.example/c.json' })),
      (e: unknown) => e instanceof UnknownClientError && !e.redirectable,
    ));
  it("a URL client's internal row id is not a client_id", async () =>
    assert.rejects(run(checkClient, ctx({ client_id: 'cimd_x' })), UnknownClientError));
});

describe('check_redirect_uri', () => {
  const withClient = (q: Record<string, unknown>, uris: string[]) => ctx(q, { client: client(uris) });
  it('exact match; reads state', async () => {
    const c = await run(
      checkRedirectUri,
      withClient({ redirect_uri: 'https://a.example/cb', state: 's' }, ['https://a.example/cb']),
    );
    assert.equal(c.redirectUri, 'https://a.example/cb');
    assert.equal(c.redirectUriProvided, true);
    assert.equal(c.state, 's');
  });
  it('loopback: any port, redirecting to the port requested', async () => {
    const c = await run(
      checkRedirectUri,
      withClient({ redirect_uri: 'http://127.0.0.1:5555/cb' }, ['http://127.0.0.1/cb']),
    );
    assert.equal(c.redirectUri, 'http://127.0.0.1:5555/cb');
  });
  it('omitted with exactly one non-loopback registered → that one', async () => {
    const c = await run(checkRedirectUri, withClient({}, ['https://a.example/cb']));
    assert.equal(c.redirectUri, 'https://a.example/cb');
    assert.equal(c.redirectUriProvided, false);
  });
  it('omitted with several, or a single loopback one → invalid_redirect_uri (not redirectable)', async () => {
    await assert.rejects(
      run(checkRedirectUri, withClient({}, ['https://a.example/cb', 'https://b.example/cb'])),
      InvalidRedirectUriError,
    );
    await assert.rejects(
      run(checkRedirectUri, withClient({}, ['http://localhost/cb'])),
      InvalidRedirectUriError,
    );
  });
  it('URL client: exact match only (no loopback port variation) and required', async () => {
    const c = await run(
      checkRedirectUri,
      ctx({ redirect_uri: 'http://127.0.0.1:5555/cb' }, { client: urlClient(['http://127.0.0.1:5555/cb']) }),
    );
    assert.equal(c.redirectUri, 'http://127.0.0.1:5555/cb');
    await assert.rejects(
      run(
        checkRedirectUri,
        ctx(
          { redirect_uri: 'http://127.0.0.1:5556/cb' },
          { client: urlClient(['http://127.0.0.1:5555/cb']) },
        ),
      ),
      InvalidRedirectUriError,
    );
    await assert.rejects(
      run(checkRedirectUri, ctx({}, { client: urlClient(['https://app.example/cb']) })),
      InvalidRedirectUriError,
    );
  });
  it('not registered → invalid_redirect_uri, and no redirect target is set', async () => {
    const c = withClient({ redirect_uri: 'https://a.example/cb2' }, ['https://a.example/cb']);
    await assert.rejects(
      run(checkRedirectUri, c),
      (e: unknown) => e instanceof InvalidRedirectUriError && !e.redirectable,
    );
    assert.equal(c.redirectUri, undefined);
  });
});

describe('check_response_type', () => {
  const c = (q: Record<string, unknown>) => ctx(q, { client: client(['https://a.example/cb']) });
  it('code passes', async () => {
    await run(checkResponseType, c({ response_type: 'code' }));
  });
  it('missing → invalid_request', async () =>
    assert.rejects(run(checkResponseType, c({})), InvalidRequestError));
  it('token, id_token, "code token" → unsupported_response_type', async () => {
    for (const rt of ['token', 'id_token', 'code token']) {
      await assert.rejects(run(checkResponseType, c({ response_type: rt })), UnsupportedResponseTypeError);
    }
  });
  it('response_mode other than query → invalid_request', async () =>
    assert.rejects(
      run(checkResponseType, c({ response_type: 'code', response_mode: 'fragment' })),
      InvalidRequestError,
    ));
});

describe('check_pkce', () => {
  it('S256 with a well-formed challenge passes', async () =>
    assert.equal(
      (await run(checkPkce, ctx({ code_challenge: CHALLENGE, code_challenge_method: 'S256' }))).codeChallenge,
      CHALLENGE,
    ));
  for (const [name, q] of [
    ['missing challenge', { code_challenge_method: 'S256' }],
    ['plain', { code_challenge: CHALLENGE, code_challenge_method: 'plain' }],
    ['missing method (defaults to plain)', { code_challenge: CHALLENGE }],
    ['s256 in lower case', { code_challenge: CHALLENGE, code_challenge_method: 's256' }],
    ['malformed challenge', { code_challenge: 'abc', code_challenge_method: 'S256' }],
  ] as const) {
    it(`${name} → invalid_request`, async () => assert.rejects(run(checkPkce, ctx(q)), InvalidRequestError));
  }
});

describe('check_scope', () => {
  it('narrows to supported scopes', async () =>
    assert.deepEqual((await run(checkScope, ctx({ scope: 'notes:write offline_access' }))).scopes, [
      'notes:write',
    ]));
  it('absent → defaults', async () =>
    assert.deepEqual((await run(checkScope, ctx({}))).scopes, ['profile:read', 'notes:read']));
  it('nothing supported → invalid_scope', async () =>
    assert.rejects(run(checkScope, ctx({ scope: 'admin' })), InvalidScopeError));
  it('malformed → invalid_scope', async () =>
    assert.rejects(run(checkScope, ctx({ scope: 'a"b' })), InvalidScopeError));
});

describe('check_resource', () => {
  const scoped = (query: Record<string, unknown>, scopes = ['notes:read']) => ctx(query, { scopes });
  it('absent → the MCP resource (AS-RI-05)', async () =>
    assert.equal((await run(checkResource, scoped({}))).resource, 'https://mcp.example.com/mcp'));
  it('trailing slash → the MCP resource (AS-RI-04)', async () =>
    assert.equal(
      (await run(checkResource, scoped({ resource: 'https://mcp.example.com/mcp/' }))).resource,
      'https://mcp.example.com/mcp',
    ));
  it('anything else → invalid_target', async () =>
    assert.rejects(run(checkResource, scoped({ resource: 'https://mcp.example.com' })), InvalidTargetError));
  it('the admin resource carries `admin` only; asked with no scope, `admin`', async () => {
    const admin = 'https://mcp.example.com/api/admin';
    const c = await run(
      checkResource,
      scoped({ resource: admin, scope: 'admin notes:read' }, ['admin', 'notes:read']),
    );
    assert.equal(c.resource, admin);
    assert.deepEqual(c.scopes, ['admin']);
    assert.deepEqual((await run(checkResource, scoped({ resource: `${admin}/` }, ['profile:read']))).scopes, [
      'admin',
    ]);
    await assert.rejects(
      run(checkResource, scoped({ resource: admin, scope: 'notes:read' })),
      InvalidScopeError,
    );
  });
  it('the MCP resource never carries `admin` (RFC 6749 §3.3); `admin` alone → invalid_scope', async () => {
    const c = await run(checkResource, scoped({ scope: 'admin notes:read' }, ['admin', 'notes:read']));
    assert.deepEqual(c.scopes, ['notes:read']);
    await assert.rejects(run(checkResource, scoped({ scope: 'admin' }, ['admin'])), InvalidScopeError);
  });
});

describe('check_prompt', () => {
  it('max_age: a number of seconds, else invalid_request', async () => {
    assert.equal((await run(checkPrompt, ctx({ max_age: '0' }))).maxAge, 0);
    assert.equal((await run(checkPrompt, ctx({ max_age: '3600' }))).maxAge, 3600);
    assert.equal((await run(checkPrompt, ctx({}))).maxAge, null);
    for (const bad of ['-1', '1.5', 'soon', '99999999999'])
      await assert.rejects(run(checkPrompt, ctx({ max_age: bad })), InvalidRequestError, bad);
  });
  it('parses values', async () =>
    assert.deepEqual(
      [...(await run(checkPrompt, ctx({ prompt: 'consent login' }))).prompt!],
      ['consent', 'login'],
    ));
  it('absent → empty', async () => assert.equal((await run(checkPrompt, ctx({}))).prompt!.size, 0));
  it('unknown value → invalid_request', async () =>
    assert.rejects(run(checkPrompt, ctx({ prompt: 'bogus' })), InvalidRequestError));
  it('none with another value → invalid_request', async () =>
    assert.rejects(run(checkPrompt, ctx({ prompt: 'none consent' })), InvalidRequestError));
});
