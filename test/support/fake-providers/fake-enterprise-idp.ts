import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  exportJWK,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  createLocalJWKSet,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';

/** A person known to the fake IdP (claims of its ID tokens and ID-JAGs). */
export interface EnterpriseUser {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

export interface MintOptions {
  /** JOSE `typ` (default oauth-id-jag+jwt). */
  typ?: string;
  /** Sign with a key the IdP does not publish (a forgery). */
  foreignKey?: boolean;
  /** Claims replacing (or, when undefined, removing) the defaults. */
  claims?: Record<string, unknown>;
}

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ID_JAG_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id-jag';
const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token';

/**
 * A company IdP for tests that issues identity assertion grants (ID-JAG): OpenID discovery and RFC 8414
 * metadata, a JWKS, and an RFC 8693 token endpoint that exchanges an ID token it issued (client
 * authenticated by client_secret_post) for an ID-JAG signed with its own ES256 key. Counts JWKS fetches
 * and can rotate its key, so tests see the relying party's cache at work.
 */
export class FakeEnterpriseIdp {
  /** The MCP client's registration at the IdP (for single sign-on and token exchange). */
  readonly clientId = 'idp-client-for-agent';
  readonly clientSecret = 'idp-secret-0123456789';
  /** Which client_id the IdP puts in ID-JAGs for the resource authorization server (ID-JAG draft §5). */
  clientIdAtResourceServer = '';
  url = '';
  jwksFetches = 0;
  readonly exchanges: URLSearchParams[] = [];
  private server: Server | undefined;
  private keys: SigningKey[] = [];
  private foreign: SigningKey | undefined;

  async start(): Promise<this> {
    this.keys = [await newKey()];
    this.foreign = await newKey();
    this.server = createServer((req, res) => void this.route(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** A new signing key, published alongside the old one; later tokens use it. */
  async rotateKey(): Promise<void> {
    this.keys.unshift(await newKey());
  }

  /** An ID token for `user`, as single sign-on would have given the client. */
  idToken(user: EnterpriseUser): Promise<string> {
    const key = this.keys[0];
    return new SignJWT({ ...user })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'JWT' })
      .setIssuer(this.url)
      .setAudience(this.clientId)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key.privateKey);
  }

  /** An ID-JAG as this IdP would issue it, with `options` to make bad ones. */
  mintIdJag(defaults: Record<string, unknown>, options: MintOptions = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const payload: JWTPayload = {
      iss: this.url,
      jti: randomUUID(),
      iat: now,
      exp: now + 300,
      client_id: this.clientIdAtResourceServer,
      ...defaults,
    };
    for (const [name, value] of Object.entries(options.claims ?? {})) {
      if (value === undefined) delete payload[name];
      else payload[name] = value;
    }
    const key = options.foreignKey ? this.foreign! : this.keys[0];
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: options.typ ?? 'oauth-id-jag+jwt' })
      .sign(key.privateKey);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', this.url).pathname;
    if (
      req.method === 'GET' &&
      (path === '/.well-known/openid-configuration' || path === '/.well-known/oauth-authorization-server')
    ) {
      return json(res, 200, {
        issuer: this.url,
        authorization_endpoint: `${this.url}/authorize`,
        token_endpoint: `${this.url}/token`,
        response_types_supported: ['code'],
        jwks_uri: `${this.url}/jwks`,
        grant_types_supported: [TOKEN_EXCHANGE],
        identity_chaining_requested_token_types_supported: [ID_JAG_TOKEN_TYPE],
      });
    }
    if (req.method === 'GET' && path === '/jwks') {
      this.jwksFetches++;
      return json(res, 200, { keys: this.keys.map((k) => k.jwk) });
    }
    if (req.method === 'POST' && path === '/token') return this.exchange(req, res);
    json(res, 404, { error: 'not_found' });
  }

  /** RFC 8693 token exchange: ID token → ID-JAG for `audience` and `resource` (extension §4). */
  private async exchange(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    this.exchanges.push(body);
    if (body.get('client_id') !== this.clientId || body.get('client_secret') !== this.clientSecret) {
      return json(res, 401, { error: 'invalid_client' });
    }
    if (
      body.get('grant_type') !== TOKEN_EXCHANGE ||
      body.get('requested_token_type') !== ID_JAG_TOKEN_TYPE ||
      body.get('subject_token_type') !== ID_TOKEN_TYPE
    ) {
      return json(res, 400, { error: 'invalid_request' });
    }
    let user: JWTPayload;
    try {
      ({ payload: user } = await jwtVerify(
        body.get('subject_token') ?? '',
        createLocalJWKSet({ keys: this.keys.map((k) => k.jwk) }),
        {
          issuer: this.url,
          audience: this.clientId,
        },
      ));
    } catch {
      return json(res, 400, { error: 'invalid_grant' });
    }
    const scope = body.get('scope') ?? undefined;
    const claims: Record<string, unknown> = {
      sub: user.sub,
      aud: body.get('audience'),
      resource: body.get('resource') ?? undefined,
      scope,
    };
    for (const name of ['email', 'email_verified', 'name'])
      if (user[name] !== undefined) claims[name] = user[name];
    const idJag = await this.mintIdJag(claims);
    res.setHeader('Cache-Control', 'no-store');
    json(res, 200, {
      issued_token_type: ID_JAG_TOKEN_TYPE,
      access_token: idJag,
      token_type: 'N_A',
      ...(scope ? { scope } : {}),
      expires_in: 300,
    });
  }
}

async function newKey(): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const kid = randomUUID();
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function startFakeEnterpriseIdp(): Promise<FakeEnterpriseIdp> {
  return new FakeEnterpriseIdp().start();
}
