import { InvalidRequestError } from '../../common/oauth-errors';
import { isValidS256Challenge } from '../../common/pkce';
import type { AuthorizeCheck } from '../authorize-context';

/** AS-PK-01/02, RFC 7636 §4.4.1: a code_challenge is required, and only S256 (plain is refused). */
export const checkPkce: AuthorizeCheck = {
  name: 'check_pkce',
  run(ctx) {
    const challenge = ctx.param('code_challenge');
    const method = ctx.param('code_challenge_method');
    if (!challenge) throw new InvalidRequestError('code_challenge is required (PKCE)');
    // RFC 7636 §4.3 defaults an absent method to plain, which this server does not accept.
    if (method !== 'S256') throw new InvalidRequestError('code_challenge_method must be S256');
    if (!isValidS256Challenge(challenge)) throw new InvalidRequestError('code_challenge is malformed');
    ctx.codeChallenge = challenge;
  },
};
