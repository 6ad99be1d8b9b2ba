/**
 * The official MCP TypeScript SDK client, driven headlessly against the running server.
 * `TestOAuthProvider` is the SDK's OAuthClientProvider: it keeps registration and tokens in memory and,
 * when the SDK sends the user to the authorization URL, plays the browser with an HttpSession: dev
 * sign-in, consent "allow", and it catches the code at the redirect to the client (checking `state`
 * and RFC 9207 `iss`).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthDiscoveryState } from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import { HttpSession, parseForms, type FollowResult } from './http-session';
import { DEFAULT_REDIRECT_URI } from './oauth-flow';
import { submitDevLoginForm } from './sign-in';

export interface TestOAuthProviderOptions {
  /** Who signs in on the dev-login page. */
  email: string;
  name?: string;
  redirectUrl?: string;
  clientName?: string;
}

export class AuthorizationRefused extends Error {
  constructor(readonly url: URL) {
    super('the test does not allow a new authorization at this point');
  }
}

export class TestOAuthProvider implements OAuthClientProvider {
  readonly session: HttpSession;
  /** Every authorization URL the SDK sent the "user" to. */
  readonly authorizations: URL[] = [];
  /** Every token set the SDK saved (initial exchange and each refresh). */
  readonly savedTokens: OAuthTokens[] = [];
  /** When false, a new authorization is refused with AuthorizationRefused (to observe a plain 401). */
  allowAuthorization = true;
  private client: OAuthClientInformationMixed | undefined;
  private currentTokens: OAuthTokens | undefined;
  private verifier: string | undefined;
  private expectedState: string | undefined;
  private code: string | undefined;
  private callback: URLSearchParams | undefined;
  private discovery: OAuthDiscoveryState | undefined;

  constructor(
    private readonly baseUrl: string,
    private readonly options: TestOAuthProviderOptions,
  ) {
    this.session = new HttpSession(baseUrl);
  }

  get redirectUrl(): string {
    return this.options.redirectUrl ?? DEFAULT_REDIRECT_URI;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.options.clientName ?? 'MCP SDK test client',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  /** AS-PK-06: the SDK sends `state` only when the provider supplies one. */
  state(): string {
    this.expectedState = randomBytes(16).toString('base64url');
    return this.expectedState;
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.client;
  }

  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.client = info;
  }

  tokens(): OAuthTokens | undefined {
    return this.currentTokens;
  }

  saveTokens(tokens: OAuthTokens): void {
    this.currentTokens = tokens;
    this.savedTokens.push(tokens);
  }

  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }

  codeVerifier(): string {
    assert.ok(this.verifier, 'no PKCE verifier saved');
    return this.verifier;
  }

  /** Like a real client, it remembers what discovery found (so a refresh does not rediscover). */
  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.discovery = state;
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return this.discovery;
  }

  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    if (scope === 'all' || scope === 'discovery') this.discovery = undefined;
    if (scope === 'all' || scope === 'client') this.client = undefined;
    if (scope === 'all' || scope === 'tokens') this.currentTokens = undefined;
    if (scope === 'all' || scope === 'verifier') this.verifier = undefined;
  }

  /** The browser part: sign in with the dev login, allow on the consent page, catch the code. */
  async redirectToAuthorization(url: URL): Promise<void> {
    this.authorizations.push(url);
    if (!this.allowAuthorization) throw new AuthorizationRefused(url);
    assert.equal(url.origin, new URL(this.baseUrl).origin, 'the authorization endpoint is on the server');
    let step: FollowResult = await this.session.follow(url.toString());
    if (!step.externalRedirect && parseForms(step.text).some((f) => f.action === '/auth/dev')) {
      step = await submitDevLoginForm(this.session, step, this.options);
    }
    if (!step.externalRedirect) {
      const consent = parseForms(step.text).find((f) => f.action === '/oauth/authorize/decision');
      assert.ok(
        consent,
        `expected the consent page, got ${step.response.status}: ${step.text.slice(0, 300)}`,
      );
      step = await this.session.submit(consent, step.url, { decision: 'allow' });
    }
    assert.ok(step.externalRedirect, `expected a redirect to the client, got ${step.response.status}`);
    const callback = new URL(step.externalRedirect);
    assert.equal(`${callback.origin}${callback.pathname}`, this.redirectUrl);
    assert.equal(callback.searchParams.get('error'), null, `authorization failed: ${callback.search}`);
    assert.equal(callback.searchParams.get('state'), this.expectedState, 'state is echoed (AS-PK-06)');
    assert.equal(callback.searchParams.get('iss'), this.baseUrl, 'iss is the issuer (RFC 9207, AS-PK-08)');
    const code = callback.searchParams.get('code');
    assert.ok(code, 'the redirect carries a code');
    this.code = code;
    this.callback = callback.searchParams;
  }

  /** The whole redirect query (code, state, iss) of the last authorization, for clients that check `iss`. */
  takeCallback(): URLSearchParams {
    const callback = this.callback;
    assert.ok(callback, 'no authorization redirect was caught');
    this.callback = undefined;
    this.code = undefined;
    return callback;
  }

  /** The code caught by the last redirectToAuthorization (once). */
  takeCode(): string {
    const code = this.code;
    assert.ok(code, 'no authorization code was caught');
    this.code = undefined;
    return code;
  }
}

export interface FetchRecord {
  method: string;
  /** Path of the URL on the server (query dropped). */
  path: string;
  status: number;
}

/** A fetch for the SDK that records what it asked the server and what it got. */
export function recordingFetch(log: FetchRecord[]): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const response = await fetch(request);
    log.push({ method: request.method, path: new URL(request.url).pathname, status: response.status });
    return response;
  };
}

export interface ConnectedClient {
  client: Client;
  transport: StreamableHTTPClientTransport;
}

/**
 * Connects the SDK client to `<baseUrl>/mcp`. When the server answers 401 the SDK runs the whole
 * discovery + registration + authorization on its own and stops with UnauthorizedError after
 * `redirectToAuthorization`; like a real app, we then hand it the code (`finishAuth`) and connect again.
 */
export async function connectMcpClient(
  baseUrl: string,
  provider: TestOAuthProvider,
  fetchLog: FetchRecord[] = [],
): Promise<ConnectedClient> {
  const open = async (): Promise<ConnectedClient> => {
    const transport = new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), {
      authProvider: provider,
      fetch: recordingFetch(fetchLog),
    });
    const client = new Client({ name: 'mcp-e2e', version: '1.0.0' });
    await client.connect(transport);
    return { client, transport };
  };
  try {
    return await open();
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
    const transport = new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), {
      authProvider: provider,
      fetch: recordingFetch(fetchLog),
    });
    await transport.finishAuth(provider.takeCode());
    return open();
  }
}

/** The SDK client with a fixed bearer token (no OAuth provider): for tests that already hold a token. */
export async function connectWithToken(baseUrl: string, accessToken: string): Promise<ConnectedClient> {
  const transport = new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${accessToken}` } },
  });
  const client = new Client({ name: 'mcp-e2e', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

/** One raw JSON-RPC POST to /mcp (to assert statuses and headers exactly). */
export async function postMcp(
  baseUrl: string,
  accessToken: string | undefined,
  message: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${baseUrl}/mcp`, {
    method: 'POST',
    headers: {
      accept: 'application/json, text/event-stream',
      'content-type': 'application/json',
      ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, ...message }),
  });
}
