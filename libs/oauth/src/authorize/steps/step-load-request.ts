import { InvalidRequestError } from '../../common/oauth-errors';
import { paramReader } from '../../common/params';
import { digest } from '../../common/secrets';
import type { AuthorizeContext, ValidatedAuthorization } from '../authorize-context';
import { AUTHORIZE_CHECKS } from '../checks';
import type { AuthorizeRun, AuthorizeStep, AuthorizeStepDependencies } from './authorize-step';
import { rehydrate } from './stored-request';

/**
 * The request being answered. start: the query through every check, in RFC order
 * (authorize/checks/index.ts). continue: the request stored before sign-in (request_id), with its
 * client as it is now. decide reads its stored request later (claim_request), after the CSRF check.
 */
export const stepLoadRequest: AuthorizeStep = {
  name: 'load_request',
  appliesTo: ['start', 'continue'],
  async run(run, deps) {
    if (run.entry === 'start') {
      run.auth = await validateQuery(run, deps);
      return;
    }
    const handle = typeof run.input === 'string' ? run.input : undefined;
    const stored = handle ? await deps.requests.findActive(digest(handle)) : null;
    if (!stored)
      throw new InvalidRequestError(
        'This authorization request has expired or was already answered; start again from the application',
      );
    run.auth = await rehydrate(deps, stored);
    run.handle = handle;
  },
};

async function validateQuery(
  run: AuthorizeRun,
  deps: AuthorizeStepDependencies,
): Promise<ValidatedAuthorization> {
  // The runner reads this context when a check fails: from check_redirect_uri on, errors are redirected.
  const ctx: AuthorizeContext = { param: paramReader(run.input) };
  run.checks = ctx;
  const checkDeps = deps.checks(run.ip);
  for (const check of AUTHORIZE_CHECKS) await check.run(ctx, checkDeps);
  return {
    client: ctx.client!,
    redirectUri: ctx.redirectUri!,
    redirectUriProvided: ctx.redirectUriProvided!,
    state: ctx.state,
    codeChallenge: ctx.codeChallenge!,
    scopes: ctx.scopes!,
    resource: ctx.resource!,
    prompt: ctx.prompt!,
    maxAge: ctx.maxAge ?? null,
  };
}
