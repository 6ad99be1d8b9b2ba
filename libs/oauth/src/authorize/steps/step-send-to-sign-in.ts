import type { AuthorizeStep } from './authorize-step';
import { loginUrl } from './sign-in';

/**
 * Not signed in, or not recently enough (OpenID Connect Core §3.1.2.1: prompt=login, max_age): the
 * sign-in page, which returns to the stored request (continue).
 */
export const stepSendToSignIn: AuthorizeStep = {
  name: 'send_to_sign_in',
  appliesTo: ['start', 'continue'],
  run(run, deps) {
    if (!run.user || !run.fresh) run.outcome = { kind: 'redirect', location: loginUrl(deps, run.handle!) };
  },
};
