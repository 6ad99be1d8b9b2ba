import { InvalidRequestError, UnsupportedResponseTypeError } from '../../common/oauth-errors';
import type { AuthorizeCheck } from '../authorize-context';

/** OAuth 2.1 §4.1.1: `code` is the only response type. */
export const checkResponseType: AuthorizeCheck = {
  name: 'check_response_type',
  run(ctx) {
    const responseType = ctx.param('response_type');
    if (!responseType) throw new InvalidRequestError('response_type is required');
    if (responseType !== 'code' || !ctx.client!.responseTypes.includes('code')) {
      throw new UnsupportedResponseTypeError('Only response_type=code is supported');
    }
    const mode = ctx.param('response_mode');
    if (mode !== undefined && mode !== 'query') {
      throw new InvalidRequestError('Only response_mode=query is supported');
    }
  },
};
