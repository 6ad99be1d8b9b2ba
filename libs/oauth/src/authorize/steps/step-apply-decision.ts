import { authorizationResponseUrl } from '../../common/oauth-error.filters';
import type { AuthorizeStep } from './authorize-step';

/**
 * The person's answer on the consent page. deny: RFC 6749 §4.1.2.1 access_denied to the client.
 * allow: the scopes of the page this form came from (the request was narrowed to them when shown).
 */
export const stepApplyDecision: AuthorizeStep = {
  name: 'apply_decision',
  appliesTo: ['decide'],
  async run(run, deps) {
    const auth = run.auth!;
    if (run.form!.decision === 'allow') {
      run.approval = { approved: auth.scopes, approvedAt: null };
      return;
    }
    await deps.audit.record({
      type: 'consent.denied',
      userId: run.user!.id,
      clientId: auth.client.clientId,
      ip: run.ip,
      detail: { scopes: auth.scopes },
    });
    run.outcome = {
      kind: 'redirect',
      location: authorizationResponseUrl(auth.redirectUri, deps.config.issuer, {
        error: 'access_denied',
        error_description: 'The user denied the request',
        state: auth.state,
      }),
    };
  },
};
