import type { Request } from 'express';
import { InvalidRequestError } from '../../common/oauth-errors';
import { constantTimeEqual, digest, hmac } from '../../common/secrets';
import type { AuthorizeStep, AuthorizeStepDependencies } from './authorize-step';

/**
 * UP-05: the consent form's CSRF token is an HMAC bound to the login session and to this request.
 *
 * Not the sign-in forms' mechanism (identity's signed double-submit seed cookie), on purpose: oauth may
 * not import identity, and the two protect different things. Sign-in must work before any session
 * exists, so it binds to a seed cookie; consent always has a login session and binds the token to that
 * session and to this one stored request, so a token lifted from one consent page answers nothing
 * else, and no extra cookie is set. Both sign with SESSION_SECRET and accept SESSION_SECRET_PREVIOUS
 * during a rollover.
 */
export const stepConsentCsrf: AuthorizeStep = {
  name: 'consent_csrf',
  appliesTo: ['decide'],
  async run(run, deps) {
    // During a SESSION_SECRET rollover a form rendered before the switch still verifies.
    const accepted = await acceptedCsrfTokens(deps, run.request, run.handle!);
    if (!accepted.some((expected) => constantTimeEqual(expected, run.form!.csrfToken))) {
      throw new InvalidRequestError(
        'The consent form has expired; start again from the application',
        'CSRF token mismatch',
      );
    }
  },
};

/** The token a new consent form carries: always signed with the current secret. */
export async function consentCsrfToken(
  deps: AuthorizeStepDependencies,
  request: Request,
  handle: string,
): Promise<string | null> {
  const binding = await deps.resolver().sessionBinding(request);
  if (!binding) return null;
  return hmac(deps.config.sessionSecret, csrfMessage(binding, handle));
}

/** Every token that verifies: signed with the current secret or, during a rollover, the previous one. */
async function acceptedCsrfTokens(
  deps: AuthorizeStepDependencies,
  request: Request,
  handle: string,
): Promise<string[]> {
  const binding = await deps.resolver().sessionBinding(request);
  if (!binding) return [];
  const message = csrfMessage(binding, handle);
  return [deps.config.sessionSecret, ...deps.config.previousSessionSecrets].map((key) => hmac(key, message));
}

function csrfMessage(binding: string, handle: string): string {
  return `oauth-consent\n${binding}\n${digest(handle).toString('base64')}`;
}
