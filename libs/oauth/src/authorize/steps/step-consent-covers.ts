import { scopesCovered } from '../../common/scopes';
import type { SignedInUser } from '../../ports/signed-in-user';
import { redirectUrisDigest } from '../../repositories/consent.repository';
import type { ValidatedAuthorization } from '../authorize-context';
import type { AuthorizeStep, AuthorizeStepDependencies, RememberedConsent } from './authorize-step';
import { grantableOrRefuse } from './grantable-scopes';

/**
 * Whether a stored consent covers the request of a freshly signed-in person. When it answers without
 * a page, issue_code acts on it; otherwise the consent page shows (one-click for a public client).
 */
export const stepConsentCovers: AuthorizeStep = {
  name: 'consent_covers',
  appliesTo: ['start', 'continue'],
  async run(run, deps) {
    run.remembered = run.user && run.fresh ? await remembered(deps, run.user, run.auth!) : null;
    if (run.remembered?.kind === 'code') {
      run.approval = { approved: null, approvedAt: run.remembered.approvedAt };
    }
  },
};

/**
 * A stored consent covers a request only when: prompt is not `consent`; it was given for the client's
 * current redirect URI set (RFC 7592 updates and changed metadata documents need a new consent); it is
 * younger than GRANT_MAX_LIFETIME; and it holds every scope this person could be granted now (what was
 * shown and approved, so a scope that became grantable since, like `admin` for a new administrator,
 * shows the page). A public client gets the one-click page (RFC 8252 §8.6), unless an administrator
 * turned remembered consent on for a client an administrator registered.
 */
async function remembered(
  deps: AuthorizeStepDependencies,
  user: SignedInUser,
  auth: ValidatedAuthorization,
): Promise<RememberedConsent | null> {
  if (auth.prompt.has('consent')) return null;
  const consent = await deps.consents.find(
    user.id,
    auth.client.clientId,
    auth.resource,
    deps.config.tokens.grantMaxLifetime,
  );
  if (!consent || !consent.fresh || !consent.redirectUrisDigest) return null;
  if (!consent.redirectUrisDigest.equals(redirectUrisDigest(auth.client.redirectUris))) return null;
  const wanted = await grantableOrRefuse(deps, user, auth.scopes);
  if (!scopesCovered(wanted, consent.scopes, deps.scopes)) return null;
  const skipsClick =
    auth.client.tokenEndpointAuthMethod !== 'none' ||
    (auth.client.rememberConsent && auth.client.createdVia === 'admin');
  return { kind: skipsClick ? 'code' : 'continue', approvedAt: consent.approvedAt };
}
