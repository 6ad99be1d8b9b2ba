import { InvalidRequestError } from '../../common/oauth-errors';
import type { AuthorizeCheck } from '../authorize-context';

const KNOWN = new Set(['none', 'consent', 'login', 'select_account']);

/**
 * OpenID Connect Core §3.1.2.1 `prompt` (MCP clients send `consent`): `consent` forces the consent
 * page, `none` forbids any page. `none` with anything else is invalid.
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
  },
};
