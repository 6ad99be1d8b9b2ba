import { OAuth2Server } from 'oauth2-mock-server';
import { freePort } from '../app';

/** The person "signed in" at the fake OpenID provider, as ID-token / userinfo claims. */
export interface FakeOidcUser {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  preferred_username?: string;
  picture?: string;
}

/**
 * A Google / company-SSO shaped OpenID provider for tests, on oauth2-mock-server: discovery,
 * JWKS, RS256-signed ID tokens (with the nonce of the authorization request), PKCE checks and
 * userinfo. The claims of the current user are injected through the server's hooks; codes are made
 * single use and bound to the client like a real provider.
 */
export class FakeOidcProvider {
  // Letters only: oauth2-mock-server does not form-decode HTTP Basic credentials (RFC 6749 §2.3.1).
  readonly clientId = 'fakeoidcclient';
  readonly clientSecret = 'fake-oidc-secret-0123456789';
  readonly server = new OAuth2Server();
  currentUser: FakeOidcUser | undefined;
  /** Answer the authorization request with `error=access_denied`. */
  denyConsent = false;
  /** Sign ID tokens with a different `aud` (a token minted for another client). */
  wrongAudience = false;
  readonly authorizeRequests: URLSearchParams[] = [];
  private readonly codeUsers = new Map<string, FakeOidcUser>();
  private readonly usedCodes = new Set<string>();
  url = '';

  async start(): Promise<this> {
    await this.server.issuer.keys.generate('RS256');
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    this.server.issuer.url = this.url;
    const service = this.server.service;
    service.on('beforeAuthorizeRedirect', (redirect: { url: URL }, req: { url?: string }) => {
      this.authorizeRequests.push(new URL(req.url ?? '/', this.url).searchParams);
      const code = redirect.url.searchParams.get('code');
      if (this.denyConsent || !this.currentUser) {
        redirect.url.searchParams.delete('code');
        redirect.url.searchParams.set('error', 'access_denied');
      } else if (code) {
        this.codeUsers.set(code, this.currentUser);
      }
    });
    service.on(
      'beforeTokenSigning',
      (token: { payload: Record<string, unknown> }, req: { body?: Record<string, string> }) => {
        const code = req.body?.code;
        const user = code ? this.codeUsers.get(code) : undefined;
        if (!user) return;
        Object.assign(token.payload, user);
        if (this.wrongAudience && token.payload.nonce !== undefined) token.payload.aud = 'someone-else';
      },
    );
    service.on(
      'beforeResponse',
      (
        response: { body: Record<string, unknown>; statusCode: number },
        req: { body?: Record<string, string> },
      ) => {
        const code = req.body?.code;
        if (!code) return;
        if (!this.codeUsers.has(code) || this.usedCodes.has(code)) {
          response.statusCode = 400;
          response.body = { error: 'invalid_grant' };
        }
        this.usedCodes.add(code);
      },
    );
    service.on(
      'beforeUserinfo',
      (
        response: { body: Record<string, unknown> },
        req: { headers: Record<string, string | undefined>; url?: string },
      ) => {
        // passport-oauth2 (Google) sends the token as `access_token` in the query, openid-client as a header.
        const token =
          (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '') ||
          (new URL(req.url ?? '/', this.url).searchParams.get('access_token') ?? '');
        try {
          const payload = JSON.parse(
            Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'),
          ) as {
            sub?: string;
          };
          const user = [...this.codeUsers.values()].find((u) => u.sub === payload.sub);
          response.body = user ? { ...user } : { sub: payload.sub };
        } catch {
          response.body = {};
        }
      },
    );
    await this.server.start(port, '127.0.0.1');
    return this;
  }

  async stop(): Promise<void> {
    await this.server.stop();
  }

  /** Environment for the generic OpenID Connect provider (company SSO). */
  oidcEnv(extra: Record<string, string> = {}): Record<string, string> {
    return {
      OIDC_ISSUER: this.url,
      OIDC_CLIENT_ID: this.clientId,
      OIDC_CLIENT_SECRET: this.clientSecret,
      OIDC_DISPLAY_NAME: 'Acme SSO',
      ...extra,
    };
  }

  /** Environment for the Google provider, pointed at this server's endpoints. */
  googleEnv(extra: Record<string, string> = {}): Record<string, string> {
    return {
      GOOGLE_CLIENT_ID: this.clientId,
      GOOGLE_CLIENT_SECRET: this.clientSecret,
      GOOGLE_AUTHORIZATION_URL: `${this.url}/authorize`,
      GOOGLE_TOKEN_URL: `${this.url}/token`,
      GOOGLE_USER_PROFILE_URL: `${this.url}/userinfo`,
      ...extra,
    };
  }
}

export async function startFakeOidcProvider(): Promise<FakeOidcProvider> {
  return new FakeOidcProvider().start();
}
