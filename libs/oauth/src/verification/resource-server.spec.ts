// ResourceServerAuthenticator, the one resource-server check of /mcp and the admin API, with a fake
// AccessTokenVerifier and limiter: RFC 6750 §2.1/§3.1 outcomes, RS-TOK-02/04 (refusals, audience
// defence), the refused-token memory per resource and the unknown-token limit per client IP (RFC 6585 §4).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TooManyRequestsError } from '../common/oauth-errors';
import type {
  AccessTokenCheck,
  AccessTokenVerifier,
  VerifiedAccessToken,
} from '../ports/access-token-verifier';
import type { RateLimiter } from '../rate-limit/rate-limiter';
import { ResourceServerAuthenticator, type ResourceServerOutcome } from './resource-server';

const MCP = 'https://rs.example.com/mcp';
const ADMIN = 'https://rs.example.com/api/admin';
const token = (fill: string) => `mcp_at_${fill.repeat(43).slice(0, 43)}`;
const GOOD = token('g');
const ADMIN_TOKEN = token('a');

const issued = (audience: string, overrides: Partial<VerifiedAccessToken> = {}): AccessTokenCheck => ({
  ok: true,
  token: {
    userId: 'u1',
    clientId: 'c1',
    grantId: 'g1',
    scopes: ['notes:read'],
    audience,
    expiresAt: new Date(Date.now() + 60_000),
    ...overrides,
  },
});

/** GOOD is valid for /mcp, ADMIN_TOKEN for the admin API; anything else is unknown to the database. */
function setup(options: { limit?: number; answer?: (t: string, aud: string) => AccessTokenCheck } = {}) {
  const lookups: string[] = [];
  const counted: string[] = [];
  let refusedIp: string | null = null;
  const judge =
    options.answer ??
    ((t: string, aud: string): AccessTokenCheck => {
      const audience = t === GOOD ? MCP : t === ADMIN_TOKEN ? ADMIN : null;
      if (audience === null) return { ok: false, reason: 'invalid' };
      return audience === aud ? issued(aud) : { ok: false, reason: 'wrong_audience' };
    });
  const verifier: AccessTokenVerifier = {
    verify: async (t, aud) => {
      lookups.push(`${t}@${aud}`);
      return judge(t!, aud);
    },
    verifyCached: (t, aud) => (t === GOOD ? judge(t, aud) : null),
  };
  const limiter = {
    consume: async (bucket: string, ip: string) => {
      counted.push(`${bucket}:${ip}`);
      if (counted.filter((c) => c.endsWith(`:${ip}`)).length > (options.limit ?? 100)) {
        refusedIp = ip;
        throw new TooManyRequestsError(42);
      }
    },
    refusedFor: (_bucket: string, ip: string) => (ip === refusedIp ? 17 : null),
  } as unknown as RateLimiter;
  return { rs: new ResourceServerAuthenticator(verifier, limiter), lookups, counted };
}

/** The answer, asserting whether it came at once (no lookup) or as a promise. */
async function answer(
  result: ResourceServerOutcome | Promise<ResourceServerOutcome>,
  settled: 'at once' | 'after a lookup',
): Promise<ResourceServerOutcome> {
  assert.equal(result instanceof Promise, settled === 'after a lookup', settled);
  return result;
}

describe('ResourceServerAuthenticator', () => {
  it('no credentials or another scheme: no_credentials at once, the same object each time (RFC 6750 §3.1)', async () => {
    const { rs, lookups } = setup();
    const first = await answer(rs.authenticate(undefined, MCP), 'at once');
    assert.deepEqual(first, { kind: 'no_credentials' });
    for (const header of ['', 'Basic abc', 'Bearerx abc'])
      assert.equal(await answer(rs.authenticate(header, ADMIN, '192.0.2.1'), 'at once'), first, header);
    assert.deepEqual(lookups, []);
  });

  it('the Bearer scheme without one b64token: malformed at once, never a lookup', async () => {
    const { rs, lookups } = setup();
    for (const header of ['Bearer', 'Bearer a b', 'Bearer a,b', 'Bearer\tabc'])
      assert.deepEqual(await answer(rs.authenticate(header, MCP), 'at once'), { kind: 'malformed' }, header);
    assert.deepEqual(lookups, []);
  });

  it('an mcp_at_ token of a shape this server never issues: refused at once, not counted', async () => {
    const { rs, lookups, counted } = setup();
    for (const t of ['mcp_at_invalid', `mcp_at_${'a'.repeat(44)}`, `mcp_at_${'a'.repeat(42)}+`]) {
      const outcome = await answer(rs.authenticate(`Bearer ${t}`, ADMIN, '192.0.2.1'), 'at once');
      assert.deepEqual(outcome, { kind: 'refused', reason: 'invalid' }, t);
    }
    assert.deepEqual(lookups, []);
    assert.deepEqual(counted, []);
  });

  it('a valid token for the expected resource is ok, with what the verifier knows (RS-TOK-04)', async () => {
    const { rs } = setup();
    const mcp = await answer(rs.authenticate(`bearer ${GOOD}`, MCP), 'after a lookup');
    assert.equal(mcp.kind, 'ok');
    assert.equal(mcp.kind === 'ok' && mcp.token.audience, MCP);
    const admin = await answer(rs.authenticate(`Bearer ${ADMIN_TOKEN}`, ADMIN), 'after a lookup');
    assert.equal(admin.kind === 'ok' && admin.token.userId, 'u1');
  });

  it('a refusal is remembered per resource: /mcp refusing an admin token does not refuse it for the admin API', async () => {
    const { rs, lookups } = setup();
    const refused = await answer(rs.authenticate(`Bearer ${ADMIN_TOKEN}`, MCP), 'after a lookup');
    assert.deepEqual(refused, { kind: 'refused', reason: 'wrong_audience' });
    assert.equal(await answer(rs.authenticate(`Bearer ${ADMIN_TOKEN}`, MCP), 'at once'), refused);
    assert.deepEqual(lookups, [`${ADMIN_TOKEN}@${MCP}`]);
    const admin = await answer(rs.authenticate(`Bearer ${ADMIN_TOKEN}`, ADMIN), 'after a lookup');
    assert.equal(admin.kind, 'ok');
    // A valid token is asked every time (the verifier's cache forgets revocations at once).
    await answer(rs.authenticate(`Bearer ${ADMIN_TOKEN}`, ADMIN), 'after a lookup');
    assert.equal(lookups.length, 3);
  });

  it('huge or foreign bearer values are never remembered, so they cannot fill memory', async () => {
    const { rs, lookups } = setup();
    const huge = 'A'.repeat(16 * 1024);
    for (let i = 0; i < 2; i++) {
      const outcome = await answer(rs.authenticate(`Bearer ${huge}`, MCP), 'after a lookup');
      assert.deepEqual(outcome, { kind: 'refused', reason: 'invalid' });
    }
    assert.equal(lookups.length, 2);
  });

  it('defence in depth: a verifier answer for another audience or already expired is refused', async () => {
    const other = setup({ answer: () => issued(ADMIN) });
    assert.deepEqual(await other.rs.authenticate(`Bearer ${GOOD}`, MCP), {
      kind: 'refused',
      reason: 'wrong_audience',
    });
    const stale = setup({ answer: (_t, aud) => issued(aud, { expiresAt: new Date(Date.now() - 1) }) });
    assert.deepEqual(await stale.rs.authenticate(`Bearer ${GOOD}`, MCP), {
      kind: 'refused',
      reason: 'expired',
    });
  });
});

describe('ResourceServerAuthenticator: unknown bearer tokens per client IP (shared limiter)', () => {
  const unknown = (i: number) => `Bearer mcp_at_${String(i).padStart(43, 'u')}`;

  it('counts only well-shaped tokens the database did not know, on every resource in one bucket', async () => {
    const { rs, counted } = setup();
    await rs.authenticate(`Bearer ${GOOD}`, MCP, '203.0.113.9');
    await rs.authenticate(`Bearer ${ADMIN_TOKEN}`, MCP, '203.0.113.9');
    await rs.authenticate('Bearer not-ours', ADMIN, '203.0.113.9');
    await rs.authenticate(unknown(0), MCP);
    assert.deepEqual(counted, [], 'valid, wrong-audience, foreign and IP-less tokens cost nothing');
    await rs.authenticate(unknown(1), MCP, '203.0.113.9');
    await rs.authenticate(unknown(2), ADMIN, '203.0.113.9');
    assert.deepEqual(counted, ['unknown_token:203.0.113.9', 'unknown_token:203.0.113.9']);
  });

  it('over the limit: rate_limited, then at once without a lookup; a cached valid token still passes', async () => {
    const { rs, lookups } = setup({ limit: 2 });
    for (const i of [1, 2])
      assert.equal((await rs.authenticate(unknown(i), MCP, '198.51.100.7')).kind, 'refused');
    const over = await answer(rs.authenticate(unknown(3), ADMIN, '198.51.100.7'), 'after a lookup');
    assert.deepEqual(over, { kind: 'rate_limited', retryAfterSeconds: 42 });
    const before = lookups.length;
    const next = await answer(rs.authenticate(unknown(4), MCP, '198.51.100.7'), 'at once');
    assert.deepEqual(next, { kind: 'rate_limited', retryAfterSeconds: 17 });
    assert.equal(lookups.length, before, 'no database lookup once the IP is over the limit');
    assert.equal((await rs.authenticate(`Bearer ${GOOD}`, MCP, '198.51.100.7')).kind, 'ok');
    // Another client IP is not affected.
    assert.equal((await rs.authenticate(unknown(5), MCP, '192.0.2.1')).kind, 'refused');
  });

  it('a limiter failure other than the limit (e.g. the database is down) is not swallowed', async () => {
    const outage = new Error('connection refused');
    const verifier: AccessTokenVerifier = { verify: async () => ({ ok: false, reason: 'invalid' }) };
    const limiter = {
      consume: () => Promise.reject(outage),
      refusedFor: () => null,
    } as unknown as RateLimiter;
    const rs = new ResourceServerAuthenticator(verifier, limiter);
    await assert.rejects(async () => rs.authenticate(unknown(1), MCP, '192.0.2.1'), outage);
  });
});
