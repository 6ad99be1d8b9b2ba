// Each token condition explains its own failure (AS-PK-01, AS-RT-03, AS-RT-07, AS-RI-03): the first
// condition of the list the stored state fails gives the exact OAuth error the grant answers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidGrantError, InvalidRequestError, InvalidTargetError } from '../../common/oauth-errors';
import { s256 } from '../../common/pkce';
import { firstFailure } from './condition';
import {
  CODE_REDEMPTION_CONDITIONS,
  presentedCodeChallenge,
  type CodeRedemption,
  type CodeState,
} from './code-conditions';
import { graceRetryAllowed, REFRESH_ROTATION_CONDITIONS, type RefreshTokenState } from './refresh-conditions';

const verifier = 'v'.repeat(43);
const code: CodeState = {
  grantId: 'g1',
  clientId: 'c1',
  consumed: false,
  expired: false,
  redirectUri: 'https://app.example/cb',
  redirectUriProvided: true,
  codeChallenge: s256(verifier),
  resource: 'https://rs.example/mcp',
  grantRevoked: false,
};
const redemption: CodeRedemption = {
  codeHash: Buffer.alloc(32),
  clientId: 'c1',
  codeChallenge: s256(verifier),
  redirectUri: 'https://app.example/cb',
  resource: null,
};
const refresh: RefreshTokenState = {
  id: 'r1',
  grantId: 'g1',
  clientId: 'c1',
  userId: 'u1',
  consumed: false,
  expired: false,
  grantRevoked: false,
  resource: 'https://rs.example/mcp',
  replacedBy: null,
  grantExpired: false,
  consumedSecondsAgo: null,
  successorUnused: false,
  graceResponse: null,
};

const codeFailure = (row: Partial<CodeState>, request: Partial<CodeRedemption> = {}) =>
  firstFailure(CODE_REDEMPTION_CONDITIONS, { ...code, ...row }, { ...redemption, ...request });
const refreshFailure = (row: Partial<RefreshTokenState>, resource: string | null = null) =>
  firstFailure(REFRESH_ROTATION_CONDITIONS, { ...refresh, ...row }, { clientId: 'c1', resource });

describe('code redemption conditions', () => {
  it('a code that meets them all fails none', () => {
    assert.equal(codeFailure({}), null);
  });

  it('each failure names its condition and its error, replay first', () => {
    const cases: [Partial<CodeState>, Partial<CodeRedemption>, string, string][] = [
      [
        { consumed: true, expired: true },
        {},
        'code not redeemed',
        'The authorization code has already been used',
      ],
      [{ expired: true, clientId: 'c2' }, {}, 'code not expired', 'The authorization code has expired'],
      [{ clientId: 'c2' }, {}, 'client matches', 'The authorization code was issued to another client'],
      [
        {},
        { redirectUri: undefined },
        'redirect_uri matches',
        'redirect_uri does not match the authorization request',
      ],
      [{ redirectUriProvided: false }, { redirectUri: undefined }, '', ''],
      [
        {},
        { codeChallenge: s256('w'.repeat(43)) },
        'PKCE verifier matches',
        'PKCE verification failed: code_verifier does not match code_challenge',
      ],
      [
        {},
        { resource: 'https://other.example/mcp' },
        'resource matches',
        'resource differs from the one the code was issued for',
      ],
      [{ grantRevoked: true }, {}, 'grant not revoked', 'The authorization code is no longer valid'],
    ];
    for (const [row, request, name, description] of cases) {
      const failure = codeFailure(row, request);
      if (!name) {
        assert.equal(failure, null);
        continue;
      }
      assert.equal(failure?.name, name);
      assert.equal(failure?.error.description, description);
      assert.ok(
        failure?.error instanceof (name === 'resource matches' ? InvalidTargetError : InvalidGrantError),
      );
    }
  });

  it('the code_verifier is required and well formed before the statement runs', () => {
    assert.throws(() => presentedCodeChallenge(undefined), InvalidRequestError);
    assert.throws(() => presentedCodeChallenge('short'), InvalidRequestError);
    assert.equal(presentedCodeChallenge(verifier), s256(verifier));
  });
});

describe('refresh rotation conditions', () => {
  it('each failure names its condition; another client is told first, a consumed token next', () => {
    assert.equal(refreshFailure({}), null);
    assert.equal(refreshFailure({ clientId: 'c2', consumed: true })?.name, 'client matches');
    assert.equal(refreshFailure({ consumed: true, grantRevoked: true })?.name, 'refresh token not consumed');
    assert.equal(refreshFailure({ grantRevoked: true, expired: true })?.name, 'grant not revoked');
    assert.equal(
      refreshFailure({ grantExpired: true, expired: true })?.name,
      'grant within GRANT_MAX_LIFETIME',
    );
    assert.equal(refreshFailure({ expired: true })?.name, 'refresh token not expired');
    const target = refreshFailure({}, 'https://other.example/mcp');
    assert.equal(target?.name, 'resource matches');
    assert.ok(target?.error instanceof InvalidTargetError);
  });

  it('a retry inside the grace window needs a live grant, an unused successor and a sealed response', () => {
    const retry = {
      ...refresh,
      consumed: true,
      consumedSecondsAgo: 3,
      successorUnused: true,
      graceResponse: Buffer.from('x'),
    };
    assert.equal(graceRetryAllowed(retry, 10), true);
    assert.equal(graceRetryAllowed(retry, 0), false);
    assert.equal(graceRetryAllowed({ ...retry, consumedSecondsAgo: 11 }, 10), false);
    assert.equal(graceRetryAllowed({ ...retry, successorUnused: false }, 10), false);
    assert.equal(graceRetryAllowed({ ...retry, grantRevoked: true }, 10), false);
    assert.equal(graceRetryAllowed({ ...retry, graceResponse: null }, 10), false);
  });
});
