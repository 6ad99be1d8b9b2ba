import { InvalidRequestError } from '../../common/oauth-errors';
import type { AuthorizeCheck } from '../authorize-context';

const KNOWN = new Set(['none', 'consent', 'login', 'select_account']);
/** OpenID Connect Core §3.1.2.1 max_age: a non-negative number of seconds (up to ten years here). */
const MAX_AGE = /^\d{1,9}$/;

/**
 * OpenID Connect Core §3.1.2.1 `prompt` (MCP clients send `consent`): `consent` forces the consent
 * page, `login` a fresh sign-in, `none` forbids any page. `none` with anything else is invalid.
 * `max_age`: the sign-in must be at most that many seconds old, else the person signs in again.
 */
export const checkPrompt: AuthorizeCheck = {
  name: 'check_prompt',
  run(ctx) {
    const values = new Set((ctx.param('prompt') ?? '').split(' ').filter((v) => v.length > 0));
    for (const v of values) {
      if (!KNOWN.has(v)) throw new InvalidRequestError(`prompt value ${v.slice(0, 40)} is not supported`);
    }
    if (values.has('none') && values.size > 1)
      throw new InvalidRequestError('prompt=none cannot be combined');
    ctx.prompt = values;
    const maxAge = ctx.param('max_age');
    if (maxAge !== undefined && (!MAX_AGE.test(maxAge) || Number(maxAge) > 315_360_000))
      throw new InvalidRequestError('max_age must be a number of seconds');
    ctx.maxAge = maxAge === undefined ? null : Number(maxAge);
  },
};
