import { InvalidRequestError } from '../../common/oauth-errors';
import { digest } from '../../common/secrets';
import type { AuthorizeStep } from './authorize-step';
import { rehydrate } from './stored-request';

/**
 * Single use: the stored request is consumed by one conditional UPDATE, so a second submission (or
 * another tab) finds nothing. decide: always, after the CSRF check, and the request is read from what
 * the UPDATE returns. continue: only when a remembered consent answers now; otherwise the request
 * stays for the consent form's decision.
 */
export const stepClaimRequest: AuthorizeStep = {
  name: 'claim_request',
  appliesTo: ['continue', 'decide'],
  async run(run, deps) {
    if (run.entry === 'continue') {
      if (!run.approval) return;
      if (!(await deps.requests.consume(digest(run.handle!)))) {
        throw new InvalidRequestError('This authorization request was already answered');
      }
      return;
    }
    const stored = await deps.requests.consume(digest(run.handle!));
    if (!stored)
      throw new InvalidRequestError('This authorization request has expired or was already answered');
    run.auth = await rehydrate(deps, stored);
  },
};
