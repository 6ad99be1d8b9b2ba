import { digest, newSecret } from '../../common/secrets';
import type { AuthorizeStep } from './authorize-step';
import { grantableOrRefuse } from './grantable-scopes';

/**
 * LB-06: the request lives in PostgreSQL so sign-in and consent may land on any replica. For a
 * freshly signed-in person it keeps only the scopes the page will show (what this person can be
 * granted), and the decision approves exactly those. start stores it; continue narrows the stored one.
 */
export const stepStoreRequest: AuthorizeStep = {
  name: 'store_request',
  appliesTo: ['start', 'continue'],
  async run(run, deps) {
    const auth = run.auth!;
    const signedIn = run.user && run.fresh ? run.user : null;
    if (run.entry === 'continue') {
      if (!signedIn) return;
      const scopes = await grantableOrRefuse(deps, signedIn, auth.scopes);
      await deps.requests.narrowScopes(digest(run.handle!), scopes);
      run.auth = { ...auth, scopes };
      return;
    }
    const scopes = signedIn ? await grantableOrRefuse(deps, signedIn, auth.scopes) : auth.scopes;
    const handle = newSecret('authorizationRequest');
    await deps.requests.create({
      handleHash: digest(handle),
      clientId: auth.client.clientId,
      redirectUri: auth.redirectUri,
      redirectUriProvided: auth.redirectUriProvided,
      scopes,
      resource: auth.resource,
      codeChallenge: auth.codeChallenge,
      state: auth.state ?? null,
      prompt: [...auth.prompt].join(' ') || null,
      maxAge: auth.maxAge,
      ttlSeconds: deps.config.tokens.authorizationRequestTtl,
    });
    run.handle = handle;
    run.auth = { ...auth, scopes };
  },
};
