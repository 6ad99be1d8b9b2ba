/**
 * Helpers that run the real OAuth flow over HTTP, for any test that needs tokens:
 * register (RFC 7591) → /oauth/authorize → dev sign-in → consent form → code → token.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { HttpSession, parseForms, type FollowResult } from './http-session';
import { submitDevLoginForm } from './sign-in';

export const DEFAULT_REDIRECT_URI = 'http://127.0.0.1:7777/callback';

export interface RegisteredClient {
  client_id: string;
  client_secret?: string;
  registration_access_token: string;
  registration_client_uri: string;
  redirect_uris: string[];
  token_endpoint_auth_method: string;
  grant_types: string[];
  [field: string]: unknown;
}

export interface TokenResponseBody {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
  refresh_token?: string;
}

/** POST /api/oauth/register; asserts 201. Defaults: a public client with DEFAULT_REDIRECT_URI. */
export async function registerClient(
  baseUrl: string,
  metadata: Record<string, unknown> = {},
): Promise<RegisteredClient> {
  const res = await fetch(`${baseUrl}/api/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'Test client',
      redirect_uris: [DEFAULT_REDIRECT_URI],
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      ...metadata,
    }),
  });
  const body = (await res.json()) as RegisteredClient;
  assert.equal(res.status, 201, `registration failed: ${JSON.stringify(body)}`);
  return body;
}

/** RFC 7636 S256 pair. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizeUrl(
  baseUrl: string,
  params: {
    client_id: string;
    redirect_uri?: string;
    code_challenge?: string;
    state?: string;
    scope?: string;
    resource?: string;
    [extra: string]: string | undefined;
  },
): string {
  const url = new URL(`${baseUrl}/oauth/authorize`);
  const all: Record<string, string | undefined> = {
    response_type: 'code',
    code_challenge_method: 'S256',
    redirect_uri: DEFAULT_REDIRECT_URI,
    ...params,
  };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}

export interface AuthorizeOptions {
  email: string;
  name?: string;
  client: RegisteredClient;
  scope?: string;
  resource?: string;
  state?: string;
  redirectUri?: string;
  /** Reuse a browser (already signed in, consent stored...). */
  session?: HttpSession;
  /** Extra authorization request parameters (prompt ...). */
  extra?: Record<string, string>;
  /** 'allow' (default) or 'deny' on the consent page, if it is shown. */
  decision?: 'allow' | 'deny';
}

export interface AuthorizationResult {
  session: HttpSession;
  verifier: string;
  /** Where the server finally sent the browser (the client's redirect_uri with code/error, state, iss). */
  callback: URL;
  code: string | null;
  /** Whether the consent page was shown. */
  consentShown: boolean;
  /** Whether the one-click "Continue" page of a remembered consent (public clients) was shown. */
  continueShown: boolean;
}

/** Drives the browser part: authorize → (sign-in) → (consent) → redirect back to the client. */
export async function authorizeInBrowser(
  baseUrl: string,
  opts: AuthorizeOptions,
): Promise<AuthorizationResult> {
  const session = opts.session ?? new HttpSession(baseUrl);
  const { verifier, challenge } = pkcePair();
  let step: FollowResult = await session.follow(
    authorizeUrl(baseUrl, {
      client_id: opts.client.client_id,
      redirect_uri: opts.redirectUri ?? opts.client.redirect_uris[0],
      code_challenge: challenge,
      state: opts.state,
      scope: opts.scope,
      resource: opts.resource,
      ...opts.extra,
    }),
  );
  if (!step.externalRedirect && parseForms(step.text).some((f) => f.action === '/auth/dev')) {
    step = await submitDevLoginForm(session, step, { email: opts.email, name: opts.name });
  }
  let consentShown = false;
  let continueShown = false;
  if (!step.externalRedirect) {
    const form = parseForms(step.text).find((f) => f.action === '/oauth/authorize/decision');
    assert.ok(
      form,
      `expected the consent page, got ${step.response.status} at ${step.url}: ${step.text.slice(0, 500)}`,
    );
    if (form.fields.remembered === '1') continueShown = true;
    else consentShown = true;
    step = await session.submit(form, step.url, { decision: opts.decision ?? 'allow' });
  }
  assert.ok(
    step.externalRedirect,
    `expected a redirect to the client, got ${step.response.status}: ${step.text.slice(0, 500)}`,
  );
  const callback = new URL(step.externalRedirect);
  return {
    session,
    verifier,
    callback,
    code: callback.searchParams.get('code'),
    consentShown,
    continueShown,
  };
}

/** POST /api/oauth/token with form parameters; `basic` authenticates with client_secret_basic. */
export async function tokenRequest(
  baseUrl: string,
  params: Record<string, string>,
  basic?: { clientId: string; clientSecret: string },
): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic) {
    const enc = (s: string) => encodeURIComponent(s);
    headers.authorization = `Basic ${Buffer.from(`${enc(basic.clientId)}:${enc(basic.clientSecret)}`).toString('base64')}`;
  }
  return fetch(`${baseUrl}/api/oauth/token`, {
    method: 'POST',
    headers,
    body: new URLSearchParams(params).toString(),
  });
}

export interface ObtainTokensOptions extends Omit<AuthorizeOptions, 'client'> {
  /** An already registered client (default: a new public client). */
  client?: RegisteredClient;
}

export interface ObtainedTokens {
  tokens: TokenResponseBody;
  client: RegisteredClient;
  session: HttpSession;
}

/** The whole flow: register (unless a client is given) → authorize → sign-in → consent → code → tokens. */
export async function obtainTokens(baseUrl: string, opts: ObtainTokensOptions): Promise<ObtainedTokens> {
  const client = opts.client ?? (await registerClient(baseUrl));
  const auth = await authorizeInBrowser(baseUrl, { ...opts, client });
  assert.ok(auth.code, `no code in ${auth.callback.toString()}`);
  const params: Record<string, string> = {
    grant_type: 'authorization_code',
    code: auth.code,
    code_verifier: auth.verifier,
    redirect_uri: opts.redirectUri ?? client.redirect_uris[0],
  };
  if (opts.resource) params.resource = opts.resource;
  const confidential = client.token_endpoint_auth_method === 'client_secret_basic';
  if (client.token_endpoint_auth_method === 'client_secret_post') {
    params.client_id = client.client_id;
    params.client_secret = client.client_secret!;
  } else if (!confidential) {
    params.client_id = client.client_id;
  }
  const res = await tokenRequest(
    baseUrl,
    params,
    confidential ? { clientId: client.client_id, clientSecret: client.client_secret! } : undefined,
  );
  const tokens = (await res.json()) as TokenResponseBody;
  assert.equal(res.status, 200, `token request failed: ${JSON.stringify(tokens)}`);
  return { tokens, client, session: auth.session };
}

/** A parsed JSON body, loosely typed for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

export async function readJson(res: Response): Promise<Json> {
  return (await res.json()) as Json;
}
