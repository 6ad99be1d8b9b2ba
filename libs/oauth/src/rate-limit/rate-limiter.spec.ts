import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import type { AppConfig } from '@app/config';
import { TooManyRequestsError } from '../common/oauth-errors';
import type { RateLimitRepository, WindowHit } from '../repositories/rate-limit.repository';
import { leaseSize, MAX_LEASES, RateLimiter, rateLimitKeyOf, type RateLimitBucket } from './rate-limiter';

/** The test's clock (ms): the fake database's `now()` and, through a mock, `performance.now()`. */
let clock = 0;
/** A moment well inside some hour, so that minute and hour windows line up as PostgreSQL's do. */
const T0 = 3_600_000 * 500_000 + 1_000_500;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A promise and the function that resolves it. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Deterministic "random" round trips (a fixed seed: a failure replays identically). */
function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
}

/**
 * One PostgreSQL table shared by every replica: ONE fixed-window counter per key, windows aligned
 * on multiples of windowSeconds like `floor(epoch / $2) * $2`. A statement is applied when it
 * arrives (at `clock`), and its answer comes back after `roundTrip()`.
 */
class SharedCounters {
  readonly windows = new Map<string, number>();
  statements = 0;
  cleanups = 0;
  readonly inFlight = new Map<string, number>();
  maxInFlight = 0;
  /** Errors the next statements fail with (not applied: the connection was lost before). */
  readonly failures: Error[] = [];
  roundTrip: (key: string) => Promise<void> = nextTurn;

  hitsIn(key: string, windowSeconds: number, at = clock): number {
    return this.windows.get(`${key}#${Math.floor(at / (windowSeconds * 1000))}`) ?? 0;
  }

  async take(key: string, windowSeconds: number, count: number): Promise<WindowHit> {
    // A limiter that loops on the database fails here instead of hanging the run.
    if (++this.statements > 50_000) throw new Error(`runaway: ${this.statements} statements`);
    const inFlight = (this.inFlight.get(key) ?? 0) + 1;
    this.inFlight.set(key, inFlight);
    this.maxInFlight = Math.max(this.maxInFlight, inFlight);
    try {
      const failure = this.failures.shift();
      let hit: WindowHit | undefined;
      if (!failure) {
        const windowMs = windowSeconds * 1000;
        const index = Math.floor(clock / windowMs);
        const hits = (this.windows.get(`${key}#${index}`) ?? 0) + count;
        this.windows.set(`${key}#${index}`, hits);
        hit = { hits, resetsInMs: (index + 1) * windowMs - clock };
      }
      await this.roundTrip(key);
      if (failure) throw failure;
      return hit!;
    } finally {
      this.inFlight.set(key, (this.inFlight.get(key) ?? 1) - 1);
    }
  }
}

/** One replica's RateLimitRepository: its own statement count, the shared table behind it. */
class ReplicaCounters {
  statements = 0;
  constructor(private readonly db: SharedCounters) {}
  take(key: string, windowSeconds: number, count = 1): Promise<WindowHit> {
    this.statements++;
    return this.db.take(key, windowSeconds, count);
  }
  deleteExpired(): Promise<void> {
    this.db.cleanups++;
    return Promise.resolve();
  }
}

interface Limits {
  registerPerHour?: number;
  authorizePerMinute?: number;
  tokenPerMinute?: number;
}

function replica(db: SharedCounters, limits: Limits = {}): { limiter: RateLimiter; repo: ReplicaCounters } {
  const repo = new ReplicaCounters(db);
  const config = {
    rateLimits: { registerPerHour: 20, authorizePerMinute: 60, tokenPerMinute: 600, ...limits },
  } as unknown as AppConfig;
  return { limiter: new RateLimiter(repo as unknown as RateLimitRepository, config), repo };
}

type Outcome = 'admitted' | TooManyRequestsError;

async function attempt(limiter: RateLimiter, bucket: RateLimitBucket, ip: string): Promise<Outcome> {
  try {
    await limiter.consume(bucket, ip);
    return 'admitted';
  } catch (error) {
    if (error instanceof TooManyRequestsError) return error;
    throw error;
  }
}

const admitted = (outcomes: Outcome[]) => outcomes.filter((o) => o === 'admitted').length;

/** `perReplica` concurrent requests on each replica at once. */
function hammer(limiters: RateLimiter[], perReplica: number, bucket: RateLimitBucket, ip: string) {
  return Promise.all(
    limiters.flatMap((l) => Array.from({ length: perReplica }, () => attempt(l, bucket, ip))),
  );
}

describe(
  'RateLimiter: replicas lease hits from one shared counter (AS-REG-11, LB-06)',
  { timeout: 30_000 },
  () => {
    beforeEach(() => {
      clock = T0;
      mock.method(performance, 'now', () => clock);
    });
    afterEach(() => mock.restoreAll());

    it('takes limit/20 hits at a time, and at least one', () => {
      assert.deepEqual(
        [1, 2, 19, 39, 40, 41, 59, 600, 100_000].map(leaseSize),
        [1, 1, 1, 1, 2, 2, 2, 30, 5000],
      );
    });

    it('each bucket has its limit and window; each bucket and client IP its own counter', async () => {
      const db = new SharedCounters();
      const { limiter } = replica(db, { registerPerHour: 3, authorizePerMinute: 2, tokenPerMinute: 1 });
      assert.deepEqual(limiter.policy('register'), { limit: 3, windowSeconds: 3600 });
      assert.deepEqual(limiter.policy('authorize'), { limit: 2, windowSeconds: 60 });
      assert.deepEqual(limiter.policy('token'), { limit: 1, windowSeconds: 60 });
      assert.equal(await attempt(limiter, 'token', '203.0.113.1'), 'admitted');
      assert.ok((await attempt(limiter, 'token', '203.0.113.1')) instanceof TooManyRequestsError);
      assert.equal(await attempt(limiter, 'token', '203.0.113.2'), 'admitted', 'another IP');
      assert.equal(await attempt(limiter, 'authorize', '203.0.113.1'), 'admitted', 'another bucket');
      assert.equal(await attempt(limiter, 'register', '203.0.113.1'), 'admitted', 'another bucket');
      assert.equal(db.hitsIn('token:203.0.113.1', 60), 2);
      assert.equal(db.hitsIn('authorize:203.0.113.1', 60), 1);
      assert.equal(db.hitsIn('register:203.0.113.1', 3600), 1);
    });

    it('consumeKey counts a caller-chosen key under its own limit and window, on the same shared counters', async () => {
      const db = new SharedCounters();
      const a = replica(db);
      const b = replica(db);
      const policy = { limit: 2, windowSeconds: 3600 };
      await a.limiter.consumeKey('email-link-address:abc', policy);
      await b.limiter.consumeKey('email-link-address:abc', policy);
      await assert.rejects(a.limiter.consumeKey('email-link-address:abc', policy), TooManyRequestsError);
      await b.limiter.consumeKey('email-link-address:other', policy);
      assert.equal(db.hitsIn('email-link-address:abc', 3600), 3);
      assert.equal(db.hitsIn('email-link-address:other', 3600), 1);
    });

    it('a small limit (leases of 1) is exact across two replicas: the third request is refused on either', async () => {
      const db = new SharedCounters();
      const a = replica(db, { registerPerHour: 2 });
      const b = replica(db, { registerPerHour: 2 });
      const ip = '198.51.100.7';
      assert.equal(await attempt(a.limiter, 'register', ip), 'admitted');
      assert.equal(await attempt(b.limiter, 'register', ip), 'admitted');
      assert.ok((await attempt(a.limiter, 'register', ip)) instanceof TooManyRequestsError);
      assert.ok((await attempt(b.limiter, 'register', ip)) instanceof TooManyRequestsError);
      // Below a limit of 40 every admitted request was counted in PostgreSQL as it arrived.
      assert.deepEqual([a.repo.statements, b.repo.statements], [2, 2]);
    });

    for (const limit of [1, 2, 39, 41, 59, 600]) {
      it(`limit ${limit}: three replicas hammered at once admit no more than the limit in total`, async () => {
        const db = new SharedCounters();
        const random = seeded(limit);
        db.roundTrip = async () => {
          for (let i = Math.floor(random() * 4); i >= 0; i--) await nextTurn();
        };
        const replicas = [1, 2, 3].map(() => replica(db, { tokenPerMinute: limit }));
        const outcomes = await hammer(
          replicas.map((r) => r.limiter),
          limit + 50,
          'token',
          '192.0.2.1',
        );
        const lease = leaseSize(limit);
        assert.ok(admitted(outcomes) <= limit, `${admitted(outcomes)} admitted, limit ${limit}`);
        // The price of leasing: what a replica holds unused is refused to the others (≤ limit/20 each).
        assert.ok(admitted(outcomes) >= limit - 3 * (lease - 1), `only ${admitted(outcomes)} admitted`);
        const statements = replicas.reduce((n, r) => n + r.repo.statements, 0);
        // One statement per lease, plus at most one per replica that learns the window is full.
        assert.ok(statements <= Math.ceil(limit / lease) + 3, `${statements} statements`);
      });
    }

    it('a large limit (600, leases of 30): one statement per 30 requests, not one per request', async () => {
      const db = new SharedCounters();
      const a = replica(db, { tokenPerMinute: 600 });
      const b = replica(db, { tokenPerMinute: 600 });
      const outcomes = await hammer([a.limiter, b.limiter], 1000, 'token', '192.0.2.2');
      assert.equal(admitted(outcomes), 600, 'demand above the limit: every leased hit is used');
      assert.equal(db.hitsIn('token:192.0.2.2', 60), 600 + 2 * 30, 'plus one refused lease per replica');
      assert.equal(a.repo.statements + b.repo.statements, 20 + 2);
      // Requests one after another on one replica (another IP): 95 admitted in 4 statements.
      const before = a.repo.statements;
      for (let i = 0; i < 95; i++) assert.equal(await attempt(a.limiter, 'token', '192.0.2.3'), 'admitted');
      assert.equal(a.repo.statements - before, 4);
    });

    it('a refusal is remembered until the window ends: no statement, Retry-After counts down to the end', async () => {
      const db = new SharedCounters();
      const { limiter, repo } = replica(db, { registerPerHour: 2 });
      const ip = '198.51.100.9';
      const windowEnd = (Math.floor(T0 / 3_600_000) + 1) * 3_600_000;
      await attempt(limiter, 'register', ip);
      await attempt(limiter, 'register', ip);
      const first = await attempt(limiter, 'register', ip);
      assert.ok(first instanceof TooManyRequestsError);
      assert.equal(first.retryAfterSeconds, Math.ceil((windowEnd - clock) / 1000));
      assert.equal(first.headers['Retry-After'], String(first.retryAfterSeconds));
      const statements = repo.statements;
      const refusals = await Promise.all(Array.from({ length: 50 }, () => attempt(limiter, 'register', ip)));
      assert.ok(refusals.every((r) => r instanceof TooManyRequestsError));
      clock = windowEnd - 2000;
      const later = await attempt(limiter, 'register', ip);
      assert.ok(later instanceof TooManyRequestsError);
      assert.equal(later.retryAfterSeconds, 2);
      clock = windowEnd - 1;
      const last = await attempt(limiter, 'register', ip);
      assert.ok(last instanceof TooManyRequestsError);
      assert.equal(last.retryAfterSeconds, 1, 'never 0');
      assert.equal(repo.statements, statements, 'a remembered refusal costs no statement');
      assert.equal(db.hitsIn('register:198.51.100.9', 3600), 3, 'refusals are not counted on');
    });

    it('a new window admits again, and hits leased in the old window are not spent in the new one', async () => {
      const db = new SharedCounters();
      const a = replica(db, { tokenPerMinute: 600 });
      const b = replica(db, { tokenPerMinute: 600 });
      const ip = '192.0.2.4';
      const windowEnd = (Math.floor(T0 / 60_000) + 1) * 60_000;
      assert.equal(await attempt(a.limiter, 'token', ip), 'admitted'); // a holds 29 unused hits
      assert.equal(admitted(await hammer([b.limiter], 700, 'token', ip)), 570);
      assert.ok((await attempt(b.limiter, 'token', ip)) instanceof TooManyRequestsError);
      clock = windowEnd;
      const statementsOfA = a.repo.statements;
      const outcomes = await hammer([a.limiter, b.limiter], 700, 'token', ip);
      assert.equal(admitted(outcomes), 600, 'the new window has its whole limit, and no more');
      assert.ok(a.repo.statements > statementsOfA, "a's old lease ended with its window");
      assert.equal(db.hitsIn(`token:${ip}`, 60), 600 + 2 * 30);
    });

    it('a lease whose answer arrives after its window ended is not used (the window is timed from before the statement)', async () => {
      const db = new SharedCounters();
      const { limiter, repo } = replica(db, { tokenPerMinute: 600 });
      const ip = '192.0.2.5';
      const windowEnd = (Math.floor(T0 / 60_000) + 1) * 60_000;
      clock = windowEnd - 10;
      let slow = true;
      db.roundTrip = async () => {
        await nextTurn();
        if (slow) clock = windowEnd + 5; // the database counted it in the old window; we are in the new one
        slow = false;
      };
      assert.equal(await attempt(limiter, 'token', ip), 'admitted');
      assert.equal(repo.statements, 2, 'the late lease was dropped and a lease of the new window taken');
      assert.equal(db.hitsIn(`token:${ip}`, 60, windowEnd - 10), 30);
      assert.equal(db.hitsIn(`token:${ip}`, 60), 30);
      // The new window's lease serves the next 29 requests.
      for (let i = 0; i < 29; i++) assert.equal(await attempt(limiter, 'token', ip), 'admitted');
      assert.equal(repo.statements, 2);
    });

    it('concurrent requests for one key wait for the one statement in flight; other keys do not wait', async () => {
      const db = new SharedCounters();
      const { limiter, repo } = replica(db, { tokenPerMinute: 600 });
      const held = gate();
      db.roundTrip = async (key) =>
        key === 'token:192.0.2.6' && repo.statements === 1 ? held.promise : nextTurn();
      const waiting = Array.from({ length: 100 }, () => attempt(limiter, 'token', '192.0.2.6'));
      await nextTurn();
      assert.equal(repo.statements, 1, 'one statement in flight for 100 requests');
      // Another IP is not held up by it.
      assert.equal(await attempt(limiter, 'token', '192.0.2.7'), 'admitted');
      held.open();
      const outcomes = await Promise.all(waiting);
      assert.equal(admitted(outcomes), 100);
      assert.equal(db.maxInFlight, 1, 'never two statements at once for one key');
      assert.equal(repo.statements, 1 + Math.ceil(100 / 30));
    });

    it('a failed statement reaches its caller and its waiters, and does not wedge the key', async () => {
      const db = new SharedCounters();
      const { limiter, repo } = replica(db, { tokenPerMinute: 600 });
      const ip = '192.0.2.8';
      const lost = new Error('Connection terminated unexpectedly');
      db.failures.push(lost);
      const [first, ...others] = await Promise.allSettled(
        Array.from({ length: 5 }, () => limiter.consume('token', ip)),
      );
      assert.deepEqual(first, { status: 'rejected', reason: lost });
      // Those that waited for the failed statement fail with it (a fast 503 each), and send nothing.
      assert.ok(others.every((o) => o.status === 'rejected' && o.reason === lost));
      assert.equal(repo.statements, 1);
      await limiter.consume('token', ip); // the next request tries again
      assert.equal(repo.statements, 2);
      // A failure on a fresh lease, alone: the next request tries again.
      db.failures.push(lost);
      await assert.rejects(limiter.consume('token', '192.0.2.9'), lost);
      await limiter.consume('token', '192.0.2.9');
      // A failure when a lease runs out, too.
      for (let i = 0; i < 29; i++) await limiter.consume('token', ip); // the lease's 29 left
      db.failures.push(lost);
      await assert.rejects(limiter.consume('token', ip), lost);
      await limiter.consume('token', ip);
      assert.equal(db.hitsIn(`token:${ip}`, 60), 60);
    });

    it(`keeps at most MAX_LEASES (${MAX_LEASES}) keys; forgetting a lease never admits over the limit`, async () => {
      const db = new SharedCounters();
      const held = gate();
      db.roundTrip = (key) => (key === 'token:192.0.2.11' ? held.promise : Promise.resolve());
      const { limiter, repo } = replica(db, { tokenPerMinute: 2 });
      const ip = '192.0.2.10';
      await attempt(limiter, 'token', ip);
      await attempt(limiter, 'token', ip);
      assert.ok((await attempt(limiter, 'token', ip)) instanceof TooManyRequestsError);
      const inFlight = attempt(limiter, 'token', '192.0.2.11'); // its statement is held
      for (let i = 0; i < MAX_LEASES + 10; i++) {
        await attempt(limiter, 'token', `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
      }
      const leases = (limiter as unknown as { leases: Map<string, unknown> }).leases;
      assert.ok(leases.size <= MAX_LEASES, `${leases.size} leases kept`);
      // The refused key was forgotten or not: either way it is refused (the shared counter says so).
      assert.ok((await attempt(limiter, 'token', ip)) instanceof TooManyRequestsError);
      // A key whose statement is in flight is kept: a second request waits for it, sends none of its own.
      const second = attempt(limiter, 'token', '192.0.2.11');
      await nextTurn();
      assert.equal(db.maxInFlight, 1);
      held.open();
      assert.deepEqual(await Promise.all([inFlight, second]), ['admitted', 'admitted']);
      // The shared table is cleaned up now and then (every 1000 statements).
      assert.equal(db.cleanups, Math.floor(repo.statements / 1000));
    });
  },
);

describe('rateLimitKeyOf: IPv6 clients are counted by their /64', () => {
  it('keeps IPv4 addresses and unwraps IPv4-mapped IPv6', () => {
    assert.equal(rateLimitKeyOf('203.0.113.7'), '203.0.113.7');
    assert.equal(rateLimitKeyOf('::ffff:203.0.113.7'), '203.0.113.7');
  });
  it('maps every address of one /64 to the same key, whatever its spelling', () => {
    const key = rateLimitKeyOf('2001:db8:1:2::1');
    assert.equal(key, '2001:db8:1:2::/64');
    for (const ip of [
      '2001:db8:1:2:ffff:ffff:ffff:ffff',
      '2001:0db8:0001:0002:0000:0000:0000:0002',
      '2001:DB8:1:2:a:b:c:d',
      '2001:db8:1:2::1.2.3.4',
    ]) {
      assert.equal(rateLimitKeyOf(ip), key, ip);
    }
  });
  it('keeps different /64s apart', () => {
    assert.notEqual(rateLimitKeyOf('2001:db8:1:2::1'), rateLimitKeyOf('2001:db8:1:3::1'));
    assert.equal(rateLimitKeyOf('::1'), '0:0:0:0::/64');
    assert.equal(rateLimitKeyOf('fe80::1%eth0'), 'fe80:0:0:0::/64');
  });
  it('counts two addresses of one /64 in one window', async () => {
    const taken: string[] = [];
    const counters = {
      take: async (key: string) => {
        taken.push(key);
        return { hits: taken.length, resetsInMs: 60_000 };
      },
      deleteExpired: async () => 0,
    };
    const limiter = new RateLimiter(
      counters as unknown as RateLimitRepository,
      {
        rateLimits: { registerPerHour: 1, authorizePerMinute: 1, tokenPerMinute: 1 },
      } as unknown as AppConfig,
    );
    await limiter.consume('register', '2001:db8:1:2::1');
    await assert.rejects(limiter.consume('register', '2001:db8:1:2::99'), TooManyRequestsError);
    assert.deepEqual(taken, ['register:2001:db8:1:2::/64', 'register:2001:db8:1:2::/64']);
    assert.equal(limiter.refusedFor('register', '2001:db8:1:2::abcd') !== null, true);
    assert.equal(limiter.refusedFor('register', '2001:db8:1:3::1'), null);
  });
});
