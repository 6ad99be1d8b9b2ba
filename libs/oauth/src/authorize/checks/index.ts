import type { AuthorizeCheck } from '../authorize-context';
import { checkClient } from './check-client';
import { checkPkce } from './check-pkce';
import { checkPrompt } from './check-prompt';
import { checkRedirectUri } from './check-redirect-uri';
import { checkResource } from './check-resource';
import { checkResponseType } from './check-response-type';
import { checkScope } from './check-scope';

/**
 * The authorization endpoint, in RFC order (docs/architecture.md C2): who is asking and where the answer goes come
 * first (errors before this point are shown, never redirected), then what is asked.
 */
export const AUTHORIZE_CHECKS: readonly AuthorizeCheck[] = [
  checkClient,
  checkRedirectUri,
  checkResponseType,
  checkPkce,
  checkScope,
  checkResource,
  checkPrompt,
];
