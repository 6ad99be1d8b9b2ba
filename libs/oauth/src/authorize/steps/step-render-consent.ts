import { ServerError } from '../../common/oauth-errors';
import { isLoopbackHost } from '../../clients/redirect-uri';
import type { OAuthClientEntity } from '../../entities/oauth-client.entity';
import type { AuthorizeStep } from './authorize-step';
import { consentCsrfToken } from './step-consent-csrf';

export const DECISION_PATH = '/oauth/authorize/decision';

/** The consent page, bound to the login session and to the stored request (consent_csrf checks it). */
export const stepRenderConsent: AuthorizeStep = {
  name: 'render_consent',
  appliesTo: ['start', 'continue'],
  async run(run, deps) {
    const auth = run.auth!;
    const user = run.user!;
    const handle = run.handle!;
    const csrfToken = await consentCsrfToken(deps, run.request, handle);
    if (!csrfToken) throw new ServerError('No login session to bind the consent form to');
    const redirect = new URL(auth.redirectUri);
    const client = auth.client;
    const urlClient = client.createdVia === 'cimd' ? await deps.urlClients.describe(client.clientId) : null;
    run.outcome = {
      kind: 'consent',
      page: {
        clientName: displayName(client),
        clientId: urlClient?.url ?? client.clientId,
        clientUri: client.clientUri,
        logoUri: client.logoUri?.startsWith('https://') ? client.logoUri : null,
        // A URL client is verified only when its document's host is in CIMD_ALLOWED_HOSTS.
        unverified: client.createdVia === 'dcr' || (client.createdVia === 'cimd' && !urlClient?.verified),
        documentHost: urlClient?.documentHost ?? null,
        // AS-REG-06: the redirect URI's host is always shown (the scheme for private-use URIs).
        // A private-use URI shows its scheme too: `myapp://accounts.example.com/cb` is not that web host.
        redirectHost:
          redirect.protocol === 'https:' || redirect.protocol === 'http:'
            ? redirect.host
            : `${redirect.protocol}//${redirect.host}`.replace(/\/\/$/, ''),
        loopbackRedirect: redirect.protocol === 'http:' && isLoopbackHost(redirect.hostname),
        // Only what this person can actually be granted (`admin` for administrators only): store_request
        // narrowed auth.scopes to that, and the request row keeps the same list for the decision.
        scopes: auth.scopes.map((name) => ({
          name,
          description: deps.scopes.get(name)?.description ?? name,
        })),
        userName: user.displayName,
        userEmail: user.email,
        requestId: handle,
        csrfToken,
        // The browser posts to the public URL (PUBLIC_URL may carry a path behind a proxy).
        decisionPath: `${new URL(deps.config.publicUrl).pathname.replace(/\/+$/, '')}${DECISION_PATH}`,
        remembered: run.remembered != null,
      },
    };
  },
};

export function displayName(client: OAuthClientEntity): string {
  return client.clientName ?? 'An unnamed application';
}
