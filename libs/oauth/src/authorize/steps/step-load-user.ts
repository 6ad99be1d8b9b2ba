import type { AuthorizeStep } from './authorize-step';
import { loginUrl, signInIsFresh } from './sign-in';

/**
 * Who is signed in on this browser, and whether that sign-in is fresh enough for the request
 * (OpenID Connect Core §3.1.2.1: prompt=login, max_age). start and continue go on either way (the
 * request is stored first, send_to_sign_in decides); a consent form posted without a session goes
 * back to sign-in with its request untouched.
 */
export const stepLoadUser: AuthorizeStep = {
  name: 'load_user',
  appliesTo: ['start', 'continue', 'decide'],
  async run(run, deps) {
    const user = await deps.resolver().resolve(run.request);
    run.user = user;
    if (run.entry === 'decide') {
      if (!user) run.outcome = { kind: 'redirect', location: loginUrl(deps, run.handle!) };
      return;
    }
    run.fresh = user !== null && signInIsFresh(user, run.auth!);
  },
};
