// Checks (customization: add a sign-in provider through the documented extension point,
// docs/guide.md "Add a sign-in provider") without changing any file under libs/: a fake OAuth2
// provider class defined here (passport-oauth2 + @SignInProvider) in its own Nest module, composed
// with the real AppModule; full sign-in against a local fake server. Requirements: RS-TOK-06, UP-05.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Inject, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PassportStrategy } from '@nestjs/passport';
import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import type { Strategy } from 'passport';
import { Strategy as OAuth2Strategy, type StrategyOptions } from 'passport-oauth2';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { loadAppConfig } from '../../apps/server/src/config-slices';
import {
  AttemptContextStateStore,
  PassportIdentityProvider,
  SignInProvider,
  SignInRefused,
  type IdentityProvider,
  type IdentityProviderDefinition,
  type UpstreamProfile,
} from '@app/identity';
import { AppModule } from '../../apps/server/src/app.module';
import { freePort } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { HttpSession } from '../support/http-session';
import { providerLink, signInWithProvider } from '../support/sign-in';

// ---------------------------------------------------------------------------------------------------
// The tiny upstream: /authorize (auto-approves), /token (client secret, single use, PKCE S256), /me.
// ---------------------------------------------------------------------------------------------------
class FakeCorp {
  readonly clientId = 'fakecorp-client';
  readonly clientSecret = 'fakecorp-secret-0123456789';
  url = '';
  readonly tokenRequests: Record<string, string>[] = [];
  readonly authorizeQueries: URLSearchParams[] = [];
  private readonly codes = new Map<string, { challenge: string | null; used: boolean }>();
  private readonly tokens = new Set<string>();
  private server: Server | undefined;

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/authorize') {
      this.authorizeQueries.push(url.searchParams);
      const code = randomBytes(12).toString('hex');
      const method = url.searchParams.get('code_challenge_method');
      this.codes.set(code, {
        challenge: method === 'S256' ? url.searchParams.get('code_challenge') : null,
        used: false,
      });
      const target = new URL(url.searchParams.get('redirect_uri') ?? 'http://invalid/');
      target.searchParams.set('code', code);
      target.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: target.toString() });
      return void res.end();
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      let raw = '';
      for await (const chunk of req) raw += String(chunk);
      const body = Object.fromEntries(new URLSearchParams(raw));
      this.tokenRequests.push(body);
      const issued = this.codes.get(body.code ?? '');
      const verifierOk =
        issued?.challenge != null &&
        createHash('sha256')
          .update(body.code_verifier ?? '')
          .digest('base64url') === issued.challenge;
      if (body.client_id !== this.clientId || body.client_secret !== this.clientSecret) {
        return json(401, { error: 'invalid_client' });
      }
      if (!issued || issued.used || !verifierOk) return json(400, { error: 'invalid_grant' });
      issued.used = true;
      const token = randomBytes(16).toString('hex');
      this.tokens.add(token);
      return json(200, { access_token: token, token_type: 'Bearer', expires_in: 60 });
    }
    if (url.pathname === '/me') {
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      if (!this.tokens.has(token)) return json(401, { error: 'invalid_token' });
      return json(200, {
        id: 'fc-42',
        name: 'Frida Corp',
        email: 'frida@fakecorp.example',
        email_verified: true,
      });
    }
    json(404, { error: 'not_found' });
  }
}

// ---------------------------------------------------------------------------------------------------
// The provider, written the way docs/guide.md tells a developer to: strategy + provider + definition.
// ---------------------------------------------------------------------------------------------------
interface FakeCorpSettings {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
}

/** Settings a real module would read from AppConfig; the test's provider gets them from the test. */
const FAKECORP_SETTINGS = Symbol('FAKECORP_SETTINGS');

class FakeCorpStrategy extends PassportStrategy(OAuth2Strategy, 'fakecorp') {
  constructor(
    private readonly settings: FakeCorpSettings,
    callbackURL: string,
  ) {
    super({
      authorizationURL: `${settings.baseUrl}/authorize`,
      tokenURL: `${settings.baseUrl}/token`,
      clientID: settings.clientId,
      clientSecret: settings.clientSecret,
      callbackURL,
      scope: ['profile', 'email'],
      state: true,
      pkce: true,
      store: new AttemptContextStateStore(),
    } as unknown as StrategyOptions);
  }

  async validate(accessToken: string): Promise<UpstreamProfile> {
    const res = await fetch(`${this.settings.baseUrl}/me`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    if (!res.ok) throw new SignInRefused('upstream_failed', `FakeCorp /me answered ${res.status}`);
    const me = (await res.json()) as { id: string; name: string; email: string; email_verified: boolean };
    return {
      provider: 'fakecorp',
      issuer: this.settings.baseUrl,
      subject: me.id,
      username: null,
      displayName: me.name,
      email: me.email_verified ? me.email.toLowerCase() : null,
      emailVerified: me.email_verified,
      avatarUrl: null,
    };
  }
}

class FakeCorpIdentityProvider extends PassportIdentityProvider {
  readonly key = 'fakecorp';
  readonly displayName = 'FakeCorp';
  private readonly instance: FakeCorpStrategy;

  constructor(config: AppConfig, settings: FakeCorpSettings) {
    super();
    this.instance = new FakeCorpStrategy(settings, `${config.publicUrl}/auth/fakecorp/callback`);
  }

  protected async strategy(): Promise<Strategy> {
    return this.instance;
  }
}

@SignInProvider()
@Injectable()
class FakeCorpSignIn implements IdentityProviderDefinition {
  readonly key = 'fakecorp';
  constructor(@Inject(FAKECORP_SETTINGS) private readonly settings: FakeCorpSettings | null) {}

  create(config: AppConfig): IdentityProvider | null {
    return this.settings ? new FakeCorpIdentityProvider(config, this.settings) : null;
  }
}

// ---------------------------------------------------------------------------------------------------

interface Booted {
  app: NestExpressApplication;
  url: string;
  close(): Promise<void>;
}

/** The real AppModule plus one extra module, exactly what app.module.ts would import. */
async function bootWithExtraModule(
  database: TestDatabase,
  settings: FakeCorpSettings | null,
): Promise<Booted> {
  @Module({ providers: [FakeCorpSignIn, { provide: FAKECORP_SETTINGS, useValue: settings }] })
  class FakeCorpSignInModule {}

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = loadAppConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    PUBLIC_URL: url,
    DATABASE_URL: database.url,
    MIGRATE_ON_START: 'false',
    DEV_LOGIN: 'false',
    SESSION_SECRET: 'test-session-secret-0123456789abcdef0123456789',
    LOG_LEVEL: 'silent',
  });
  @Module({
    imports: [AppModule.forRoot({ config, databaseUrl: database.url }), FakeCorpSignInModule],
  })
  class TestRootModule {}
  const app = await NestFactory.create<NestExpressApplication>(TestRootModule, { logger: false });
  app.use(cookieParser());
  await app.listen(port, '127.0.0.1');
  assert.equal(app.get<AppConfig>(APP_CONFIG).publicUrl, url);
  return { app, url, close: () => app.close() };
}

describe('Add a sign-in provider from outside libs/', () => {
  let fake: FakeCorp;
  let database: TestDatabase;
  let booted: Booted;

  before(async () => {
    fake = await new FakeCorp().start();
    database = await createTestDatabase();
    booted = await bootWithExtraModule(database, {
      baseUrl: fake.url,
      clientId: fake.clientId,
      clientSecret: fake.clientSecret,
    });
  });

  after(async () => {
    await booted?.close();
    await database?.drop();
    await fake?.stop();
  });

  it('lists the new provider on the sign-in page with its own route', async () => {
    const session = new HttpSession(booted.url);
    const page = await session.follow('/login?return_to=%2Fsome%2Fpage');
    assert.equal(page.response.status, 200);
    assert.equal(providerLink(page.text, 'fakecorp'), '/auth/fakecorp?return_to=%2Fsome%2Fpage');
    assert.match(page.text, /Continue with FakeCorp/);
  });

  it('signs in end to end: server-side state, PKCE S256, identity row, session, audit', async () => {
    const session = new HttpSession(booted.url);
    const landed = await signInWithProvider(session, 'fakecorp', { returnTo: '/login' });
    assert.equal(landed.response.status, 200, landed.text.slice(0, 300));
    assert.equal(new URL(landed.url).pathname, '/login');
    assert.match(landed.text, /You are signed in as\s*<strong>Frida Corp<\/strong>/);
    assert.ok(session.cookie('mcp_session'), 'a login session cookie');

    const authorize = fake.authorizeQueries.at(-1)!;
    assert.equal(authorize.get('code_challenge_method'), 'S256');
    assert.equal(authorize.get('redirect_uri'), `${booted.url}/auth/fakecorp/callback`);
    assert.match(authorize.get('state') ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.ok(fake.tokenRequests.at(-1)?.code_verifier, 'the stored PKCE verifier was sent');

    const ds = booted.app.get(DataSource);
    const rows: Array<{ issuer: string; email: string }> = await ds.query(
      `SELECT i.issuer, u.email FROM user_identities i JOIN users u ON u.id = i.user_id
        WHERE i.provider = 'fakecorp' AND i.subject = 'fc-42'`,
    );
    assert.deepEqual(rows, [{ issuer: fake.url, email: 'frida@fakecorp.example' }]);
    const audit: Array<{ n: string }> = await ds.query(
      `SELECT count(*)::text AS n FROM audit_events WHERE type = 'signin.succeeded' AND detail->>'provider' = 'fakecorp'`,
    );
    assert.equal(audit[0].n, '1');
  });

  it('refuses a replayed callback (single-use state) like the built-in providers', async () => {
    const session = new HttpSession(booted.url);
    const first = await signInWithProvider(session, 'fakecorp');
    assert.equal(first.response.status, 200);
    const replay = await session.follow(first.callbackUrl);
    assert.equal(replay.response.status, 400);
    assert.match(replay.text, /data-reason="attempt_invalid"/);
  });
});

describe('An extension provider that is not configured', () => {
  it('is left off the sign-in page and its route is unknown', async () => {
    const database = await createTestDatabase();
    const booted = await bootWithExtraModule(database, null);
    try {
      const session = new HttpSession(booted.url);
      const page = await session.follow('/login');
      assert.equal(providerLink(page.text, 'fakecorp'), undefined);
      const start = await session.follow('/auth/fakecorp');
      assert.equal(start.response.status, 404);
      assert.match(start.text, /data-reason="provider_unknown"/);
    } finally {
      await booted.close();
      await database.drop();
    }
  });
});
