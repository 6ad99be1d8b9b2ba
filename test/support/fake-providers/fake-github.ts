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
  /** What /user/repos lists for this account. */
  repos?: { name: string; private?: boolean; description?: string | null }[];
}

/** GitHub App style user tokens: they expire and come with a single-use refresh token. */
export interface ExpiringTokens {
  /** `expires_in` of access tokens (seconds). */
  expiresIn: number;
  /** `refresh_token_expires_in` (seconds). */
  refreshExpiresIn: number;
}

interface IssuedToken {
  user: FakeGithubUser;
  /** Epoch ms; undefined = never expires (classic OAuth app token). */
  expiresAt?: number;
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
 * redirect_uri, single use and PKCE like GitHub does; with `expiringTokens`, GitHub App style expiring
 * tokens and the refresh_token grant with single-use refresh tokens), /user, /user/emails, /user/orgs,
 * /user/repos. `revoke()` is the person removing the app's access on GitHub.
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
  /** Issue expiring tokens with refresh tokens (GitHub Apps); undefined = classic non-expiring tokens. */
  expiringTokens: ExpiringTokens | undefined;
  /** Delay before answering a refresh_token grant (to overlap concurrent callers). */
  refreshDelayMs = 0;
  /** The Authorization header of every API request (to prove which token reached GitHub). */
  readonly apiAuthorizations: string[] = [];
  /** The path of every API request, in the same order. */
  readonly apiPaths: string[] = [];
  private readonly codes = new Map<string, IssuedCode>();
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly refreshTokens = new Map<string, FakeGithubUser>();
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
    // GitHub Enterprise Server serves the REST API under /api/v3; github.com at the root.
    this.apiPaths.push(url.pathname);
    url.pathname = url.pathname.replace(/^\/api\/v3(?=\/)/, '');
    const auth = req.headers.authorization ?? '';
    this.apiAuthorizations.push(auth);
    const issued = this.tokens.get(auth.replace(/^(token|bearer)\s+/i, ''));
    if (!issued || (issued.expiresAt !== undefined && issued.expiresAt <= Date.now())) {
      return json(401, { message: 'Bad credentials' });
    }
    const user = issued.user;
    if (req.method === 'GET' && url.pathname === '/user/repos') {
      const perPage = Number(url.searchParams.get('per_page') ?? '30');
      const page = Number(url.searchParams.get('page') ?? '1');
      const all = (user.repos ?? []).map((r, i) => ({
        id: user.id * 1000 + i,
        name: r.name,
        full_name: `${user.login}/${r.name}`,
        private: r.private === true,
        html_url: `${this.url}/${user.login}/${r.name}`,
        description: r.description ?? null,
        updated_at: new Date(Date.UTC(2026, 0, 1 + i)).toISOString(),
      }));
      const slice = all.slice((page - 1) * perPage, page * perPage);
      if (page * perPage < all.length) {
        res.setHeader('link', `<${this.url}/user/repos?page=${page + 1}&per_page=${perPage}>; rel="next"`);
      }
      return json(200, slice);
    }
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
    if (body.grant_type === 'refresh_token') {
      const user = this.refreshTokens.get(body.refresh_token ?? '');
      // Single use, like GitHub: the old refresh token dies with the refresh.
      this.refreshTokens.delete(body.refresh_token ?? '');
      const answer = () =>
        user ? json(200, this.issueTokens(user)) : json(200, { error: 'bad_refresh_token' });
      if (this.refreshDelayMs > 0) return void setTimeout(answer, this.refreshDelayMs);
      return answer();
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
    json(200, this.issueTokens(issued.user));
  }

  /** The refresh_token grants answered so far. */
  get refreshRequests(): Record<string, string>[] {
    return this.tokenRequests.filter((r) => r.grant_type === 'refresh_token');
  }

  /** Every access token issued so far (to look for them in a database dump). */
  get issuedAccessTokens(): string[] {
    return [...this.tokens.keys()];
  }

  /** Every refresh token issued so far, used or not. */
  readonly issuedRefreshTokens: string[] = [];

  /** The person removed the app on GitHub: every token and refresh token of theirs stops working. */
  revoke(userId: number): void {
    for (const [token, issued] of this.tokens) if (issued.user.id === userId) this.tokens.delete(token);
    for (const [token, user] of this.refreshTokens) if (user.id === userId) this.refreshTokens.delete(token);
  }

  /** Every live access token expires now (their refresh tokens stay valid). */
  expireAccessTokens(): void {
    for (const issued of this.tokens.values()) issued.expiresAt = Date.now() - 1;
  }

  /** What the token endpoint would answer for a fresh authorization of `user`. */
  issueTokens(user: FakeGithubUser): Record<string, unknown> {
    const accessToken = `gho_${randomBytes(18).toString('hex')}`;
    const scope = (this.authorizeRequests.at(-1)?.scope ?? 'read:user user:email').replace(/ /g, ',');
    if (!this.expiringTokens) {
      this.tokens.set(accessToken, { user });
      return { access_token: accessToken, token_type: 'bearer', scope };
    }
    const refreshToken = `ghr_${randomBytes(30).toString('hex')}`;
    this.tokens.set(accessToken, { user, expiresAt: Date.now() + this.expiringTokens.expiresIn * 1000 });
    this.refreshTokens.set(refreshToken, user);
    this.issuedRefreshTokens.push(refreshToken);
    return {
      access_token: accessToken,
      token_type: 'bearer',
      scope,
      expires_in: this.expiringTokens.expiresIn,
      refresh_token: refreshToken,
      refresh_token_expires_in: this.expiringTokens.refreshExpiresIn,
    };
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
