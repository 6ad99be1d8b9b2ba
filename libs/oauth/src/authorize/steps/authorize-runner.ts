import type { OAuthClientEntity } from '../../entities/oauth-client.entity';
import { ServerError, toWireError, type AuthorizationRedirect } from '../../common/oauth-errors';
import type {
  AuthorizeOutcome,
  AuthorizeRun,
  AuthorizeStep,
  AuthorizeStepDependencies,
} from './authorize-step';
import { AUTHORIZE_STEPS } from './index';

/**
 * Runs the steps of `steps` that apply to the run's entry point, in order, until one sets the outcome
 * (or after the step named `until`). The one place an error becomes a redirect (RFC 6749 §4.1.2.1):
 * steps only throw.
 */
export async function runSteps(
  run: AuthorizeRun,
  deps: AuthorizeStepDependencies,
  steps: readonly AuthorizeStep[] = AUTHORIZE_STEPS,
  until?: string,
): Promise<void> {
  try {
    for (const step of steps) {
      if (!step.appliesTo.includes(run.entry)) continue;
      await step.run(run, deps);
      if (run.outcome || step.name === until) return;
    }
  } catch (thrown) {
    throw withRedirect(thrown, redirectOf(run));
  }
}

/** The whole table for one entry point: what the controller sends. */
export async function runAuthorize(
  run: AuthorizeRun,
  deps: AuthorizeStepDependencies,
): Promise<AuthorizeOutcome> {
  await runSteps(run, deps);
  if (!run.outcome)
    throw new ServerError('The authorization request was not answered', `no step answered ${run.entry}`);
  return run.outcome;
}

/**
 * Where an error may go: nowhere until the redirect URI is known good (check_redirect_uri on start,
 * the stored request on continue and decide). AS-PK-05: on the first visit a self-registered
 * client's errors are shown on a page with a link back; on continue and decide the person has
 * already interacted with this request here, so they are redirected.
 */
export function redirectOf(run: AuthorizeRun): AuthorizationRedirect | undefined {
  const known = run.auth ?? run.checks;
  if (!known?.redirectUri) return undefined;
  return {
    redirectUri: known.redirectUri,
    state: known.state,
    untrusted: run.entry === 'start' && isSelfRegistered(known.client),
  };
}

function withRedirect(thrown: unknown, redirect: AuthorizationRedirect | undefined): unknown {
  if (!redirect) return thrown;
  // The one wire function decides what an unknown error becomes (server_error, temporarily_unavailable).
  const error = toWireError(thrown).cause;
  error.redirect ??= redirect;
  return error;
}

/** A client whose redirect URIs anyone could have chosen (RFC 7591 registration, a metadata document). */
function isSelfRegistered(client: OAuthClientEntity | undefined): boolean {
  return client === undefined || client.createdVia === 'dcr' || client.createdVia === 'cimd';
}
