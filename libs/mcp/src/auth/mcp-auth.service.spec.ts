// McpAuthService on the real ResourceServerAuthenticator with a fake AccessTokenVerifier: RFC 6750 §2.1 header parsing, RS-TOK-02/04 (every
// rejection is a 401 invalid_token), RS-SC-06 (the caller's scopes include what they imply).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '@app/config';
import {
  ResourceServerAuthenticator,
  TooManyRequestsError,
  type AccessTokenVerifier,
  type RateLimiter,
  type ScopeDefinition,
} from '@app/oauth';
import { McpHttpError } from '../http/mcp-errors';
import type { ToolCatalog } from '../tools/tool-catalog';
import { McpAuthService } from './mcp-auth.service';

const config = loadConfig({ PUBLIC_URL: 'https://mcp.example.com/base' });
const scopes: ScopeDefinition[] = [
  { name: 'notes:read', description: 'r', implies: [], isDefault: true },
  { name: 'notes:write', description: 'w', implies: ['notes:read'], isDefault: false },
];
const catalog = {
  defaults: () => ['notes:read'],
  expand: (names: Iterable<string>) => {
    const out = new Set<string>();
    for (const n of names) {
      out.add(n);
      for (const i of scopes.find((s) => s.name === n)?.implies ?? []) out.add(i);
    }
    return out;
  },
} as unknown as ToolCatalog;

function service(seen: (string | undefined)[] = []) {
  const verifier: AccessTokenVerifier = {
    verify: async (token, audience) => {
      seen.push(token);
      if (token !== 'good.token-1~') return { ok: false, reason: 'invalid' };
      return {
        ok: true,
        token: {
          userId: 'u1',
          clientId: 'c1',
          grantId: 'g1',
          scopes: ['notes:write'],
          audience,
          expiresAt: new Date(Date.now() + 60_000),
        },
      };
    },
  };
  return new McpAuthService(new ResourceServerAuthenticator(verifier, unlimited), config, catalog);
}

/** A limiter that never refuses (the tests below that do not look at the unknown-token limit). */
const unlimited = {
  consume: async () => undefined,
  refusedFor: () => null,
} as unknown as RateLimiter;

const rejection = async (p: Promise<unknown>): Promise<McpHttpError> => {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof McpHttpError);
    return e;
  }
  assert.fail('expected a rejection');
};

describe('McpAuthService', () => {
  it('points at the path-inserted metadata URL of PUBLIC_URL/mcp (RFC 9728 §3.1, RS-PRM-05)', () => {
    assert.equal(
      service().resourceMetadataUrl,
      'https://mcp.example.com/.well-known/oauth-protected-resource/base/mcp',
    );
  });

  it('accepts the Bearer scheme case-insensitively and returns the caller with implied scopes', async () => {
    const seen: (string | undefined)[] = [];
    const caller = await service(seen).authenticate('bearer good.token-1~');
    assert.deepEqual(caller, {
      kind: 'person',
      userId: 'u1',
      clientId: 'c1',
      grantId: 'g1',
      scopes: ['notes:read', 'notes:write'],
    });
    assert.deepEqual(seen, ['good.token-1~']);
  });

  it('no credentials: 401 challenge without an error code (RFC 6750 §3.1)', async () => {
    for (const header of [undefined, '', 'Basic abc', 'Bearerx abc']) {
      const e = await rejection(service().authenticate(header));
      assert.equal(e.status, 401);
      assert.equal(
        e.headers['WWW-Authenticate'],
        'Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/base/mcp", scope="notes:read"',
        String(header),
      );
    }
  });

  it('a malformed bearer header is an invalid token and never reaches the verifier', async () => {
    const seen: (string | undefined)[] = [];
    for (const header of ['Bearer', 'Bearer a b', 'Bearer a,b', 'Bearer "quoted"']) {
      const e = await rejection(service(seen).authenticate(header));
      assert.match(e.headers['WWW-Authenticate'], /^Bearer error="invalid_token", /, header);
    }
    assert.deepEqual(seen, []);
  });

  it('an mcp_at_ token of the wrong shape cannot exist: the same 401, no verifier call', async () => {
    const seen: (string | undefined)[] = [];
    const auth = service(seen);
    const expected = (await rejection(auth.authenticate('Bearer some-other-token'))).headers;
    seen.length = 0;
    for (const token of [
      'mcp_at_invalid',
      `mcp_at_${'a'.repeat(42)}`,
      `mcp_at_${'a'.repeat(44)}`,
      `mcp_at_${'a'.repeat(42)}+`,
    ]) {
      const e = await rejection(auth.authenticate(`Bearer ${token}`));
      assert.equal(e.status, 401);
      assert.deepEqual(e.headers, expected, token);
      assert.equal(e.message, 'Unauthorized: invalid_token');
    }
    assert.deepEqual(seen, []);
    // The real shape is asked about.
    await rejection(auth.authenticate(`Bearer mcp_at_${'A-_9'.repeat(10)}abc`));
    assert.deepEqual(seen, [`mcp_at_${'A-_9'.repeat(10)}abc`]);
  });

  it('a refused token is remembered: asking again costs no verifier call; a valid one is always asked', async () => {
    const seen: (string | undefined)[] = [];
    const auth = service(seen);
    const token = `mcp_at_${'x'.repeat(43)}`;
    const first = await rejection(auth.authenticate(`Bearer ${token}`));
    const second = await rejection(auth.authenticate(`Bearer ${token}`));
    assert.deepEqual(second.headers, first.headers);
    assert.deepEqual(seen, [token]);
    await auth.authenticate('Bearer good.token-1~');
    await auth.authenticate('Bearer good.token-1~');
    assert.deepEqual(seen, [token, 'good.token-1~', 'good.token-1~']);
  });

  it('huge or foreign bearer values are never remembered, so they cannot fill memory (security review)', async () => {
    const seen: (string | undefined)[] = [];
    const auth = service(seen);
    const huge = 'A'.repeat(16 * 1024);
    await rejection(auth.authenticate(`Bearer ${huge}`));
    await rejection(auth.authenticate(`Bearer ${huge}`));
    // Asked each time (the verifier refuses it without a database query), never cached.
    assert.deepEqual(seen, [huge, huge]);
  });

  it('the step-up challenge names every scope the call needs (RS-SC-04/05)', () => {
    const e = service().insufficientScope(['notes:write', 'profile:read']);
    assert.equal(e.status, 403);
    assert.equal(
      e.headers['WWW-Authenticate'],
      'Bearer error="insufficient_scope", scope="notes:write profile:read", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/base/mcp"',
    );
  });
});

describe('McpAuthService: unknown bearer tokens per client IP (shared limiter)', () => {
  const good = `mcp_at_${'g'.repeat(43)}`;
  const verified = (audience: string) =>
    ({
      ok: true,
      token: {
        userId: 'u1',
        clientId: 'c1',
        grantId: 'g1',
        scopes: ['notes:read'],
        audience,
        expiresAt: new Date(Date.now() + 60_000),
      },
    }) as const;

  function limited(limit: number) {
    const lookups: string[] = [];
    const counted: string[] = [];
    let refusedIp: string | null = null;
    const limiter = {
      consume: async (bucket: string, ip: string) => {
        counted.push(`${bucket}:${ip}`);
        if (counted.filter((c) => c.endsWith(`:${ip}`)).length > limit) {
          refusedIp = ip;
          throw new TooManyRequestsError(42);
        }
      },
      refusedFor: (_bucket: string, ip: string) => (ip === refusedIp ? 17 : null),
    } as unknown as RateLimiter;
    const verifier: AccessTokenVerifier = {
      verify: async (token, audience) => {
        lookups.push(token!);
        return token === good ? verified(audience) : { ok: false, reason: 'invalid' };
      },
      verifyCached: (token, audience) => (token === good ? verified(audience) : null),
    };
    const auth = new McpAuthService(new ResourceServerAuthenticator(verifier, limiter), config, catalog);
    return { auth, lookups, counted };
  }
  const unknown = (i: number) => `Bearer mcp_at_${String(i).padStart(43, 'u')}`;

  it('counts only tokens the database did not know; valid tokens are never counted', async () => {
    const { auth, counted } = limited(100);
    await auth.authenticate(`Bearer ${good}`, '203.0.113.9');
    assert.deepEqual(counted, []);
    await rejection(auth.authenticate(unknown(1), '203.0.113.9'));
    assert.deepEqual(counted, ['unknown_token:203.0.113.9']);
    // A token of another shape is refused without a lookup, so it costs nothing to count.
    await rejection(auth.authenticate('Bearer not-ours', '203.0.113.9'));
    assert.equal(counted.length, 1);
  });

  it('over the limit: 429 with Retry-After and no further lookup; a cached valid token still works', async () => {
    const { auth, lookups } = limited(2);
    for (const i of [1, 2])
      assert.equal((await rejection(auth.authenticate(unknown(i), '198.51.100.7'))).status, 401);
    const over = await rejection(auth.authenticate(unknown(3), '198.51.100.7'));
    assert.equal(over.status, 429);
    assert.equal(over.headers['Retry-After'], '42');
    const before = lookups.length;
    const next = await rejection(auth.authenticate(unknown(4), '198.51.100.7'));
    assert.equal(next.status, 429);
    assert.equal(next.headers['Retry-After'], '17');
    assert.equal(lookups.length, before, 'no database lookup once the IP is over the limit');
    const caller = await auth.authenticate(`Bearer ${good}`, '198.51.100.7');
    assert.equal(caller.userId, 'u1');
    // Another client IP is not affected.
    assert.equal((await rejection(auth.authenticate(unknown(5), '192.0.2.1'))).status, 401);
  });
});
