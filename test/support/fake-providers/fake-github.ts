import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One account on the fake GitHub. */
export interface FakeGithubUser {
  id: number;
  login: string;
  name?: string | null;
  avatar_url?: string;
  emails: { email: string; primary: boolean; verified: boolean }[];
  orgs?: string[];
}

export interface AuthorizeRequestSeen {
  client_id: string | null;
  redirect_uri: string | null;
  state: string | null;
  scope: string | null;
  code_challenge: string | null;
  code_challenge_method: string | null;
}

interface IssuedCode {
  user: FakeGithubUser;
  clientId: string;
  redirectUri: string | null;
  challenge: string | null;
  used: boolean;
}

/**
 * A small GitHub-shaped OAuth server for tests: /login/oauth/authorize (auto-approves as the
 * "signed-in" fake user, or denies), /login/oauth/access_token (checks client credentials,
 * redirect_uri, single use and PKCE like GitHub does), /user, /user/emails, /user/orgs.
 */
export class FakeGithub {
  readonly clientId = 'fake-github-client';
  readonly clientSecret = 'fake-github-secret-0123456789';
  /** The account the browser is "signed in" to on GitHub. */
  currentUser: FakeGithubUser | undefined;
  /** Make the authorize step answer `error=access_denied` (the user clicked Cancel). */
  denyConsent = false;
  /** Status the token endpoint answers with (e.g. 500), or 'hang' to never answer. */
  tokenEndpointFailure: number | 'hang' | undefined;
  readonly authorizeRequests: AuthorizeRequestSeen[] = [];
  readonly tokenRequests: Record<string, string>[] = [];
  private readonly codes = new Map<string, IssuedCode>();
  private readonly tokens = new Map<string, FakeGithubUser>();
  private readonly hanging = new Set<ServerResponse>();
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The environment that points the app at this fake (GitHub Enterprise Server style overrides). */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      GITHUB_CLIENT_ID: this.clientId,
      GITHUB_CLIENT_SECRET: this.clientSecret,
      GITHUB_AUTHORIZATION_URL: `${this.url}/login/oauth/authorize`,
      GITHUB_TOKEN_URL: `${this.url}/login/oauth/access_token`,
      GITHUB_USER_PROFILE_URL: `${this.url}/user`,
      GITHUB_USER_EMAIL_URL: `${this.url}/user/emails`,
      GITHUB_API_URL: this.url,
      ...extra,
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') return this.authorize(url, res);
    if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
      const body = Object.fromEntries(new URLSearchParams(await readBody(req)));
      return this.token(body, res, json);
    }
    const auth = req.headers.authorization ?? '';
    const user = this.tokens.get(auth.replace(/^(token|bearer)\s+/i, ''));
    if (!user) return json(401, { message: 'Bad credentials' });
    if (req.method === 'GET' && url.pathname === '/user') {
      return json(200, {
        id: user.id,
        login: user.login,
        name: user.name ?? null,
        avatar_url: user.avatar_url ?? `${this.url}/avatars/${user.id}`,
        // GitHub's public email may be any address, verified or not: never used for identity.
        email: user.emails[0]?.email ?? null,
      });
    }
    if (req.method === 'GET' && url.pathname === '/user/emails') {
      return json(
        200,
        user.emails.map((e) => ({ ...e, visibility: e.primary ? 'private' : null })),
      );
    }
    if (req.method === 'GET' && url.pathname === '/user/orgs') {
      return json(
        200,
        (user.orgs ?? []).map((login, i) => ({ login, id: 1000 + i })),
      );
    }
    json(404, { message: 'Not Found' });
  }

  private authorize(url: URL, res: ServerResponse): void {
    const q = (name: string) => url.searchParams.get(name);
    this.authorizeRequests.push({
      client_id: q('client_id'),
      redirect_uri: q('redirect_uri'),
      state: q('state'),
      scope: q('scope'),
      code_challenge: q('code_challenge'),
      code_challenge_method: q('code_challenge_method'),
    });
    const redirectUri = q('redirect_uri');
    if (q('client_id') !== this.clientId || !redirectUri) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      return void res.end('bad client_id or redirect_uri');
    }
    const target = new URL(redirectUri);
    if (this.denyConsent || !this.currentUser) {
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('error_description', 'The user has denied your application access.');
    } else {
      const code = randomBytes(10).toString('hex');
      this.codes.set(code, {
        user: this.currentUser,
        clientId: this.clientId,
        redirectUri,
        challenge: q('code_challenge_method') === 'S256' ? q('code_challenge') : null,
        used: false,
      });
      target.searchParams.set('code', code);
    }
    const state = q('state');
    if (state !== null) target.searchParams.set('state', state);
    res.writeHead(302, { location: target.toString() });
    res.end();
  }

  private token(
    body: Record<string, string>,
    res: ServerResponse,
    json: (status: number, body: unknown) => void,
  ): void {
    this.tokenRequests.push(body);
    if (this.tokenEndpointFailure === 'hang') {
      this.hanging.add(res);
      return;
    }
    if (typeof this.tokenEndpointFailure === 'number')
      return json(this.tokenEndpointFailure, { message: 'boom' });
    if (body.client_id !== this.clientId || body.client_secret !== this.clientSecret) {
      return json(200, { error: 'incorrect_client_credentials' });
    }
    const issued = this.codes.get(body.code ?? '');
    // Like GitHub: errors come back as 200 with an `error` member.
    if (!issued || issued.used) return json(200, { error: 'bad_verification_code' });
    issued.used = true;
    if (issued.redirectUri !== (body.redirect_uri ?? null))
      return json(200, { error: 'redirect_uri_mismatch' });
    if (issued.challenge !== null) {
      const computed = createHash('sha256')
        .update(body.code_verifier ?? '')
        .digest('base64url');
      if (computed !== issued.challenge) return json(200, { error: 'bad_verification_code' });
    }
    const accessToken = `gho_${randomBytes(18).toString('hex')}`;
    this.tokens.set(accessToken, issued.user);
    json(200, { access_token: accessToken, token_type: 'bearer', scope: 'read:user,user:email' });
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (data += c));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

export async function startFakeGithub(): Promise<FakeGithub> {
  return new FakeGithub().start();
}
