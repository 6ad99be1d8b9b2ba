import {
  ConsentRequiredError,
  InteractionRequiredError,
  LoginRequiredError,
} from '../../common/oauth-errors';
import type { AuthorizeStep } from './authorize-step';

/**
 * OpenID Connect Core §3.1.2.6: prompt=none never shows a page. Reached only when no remembered
 * consent answered: not signed in (or not recently enough) is login_required; a one-click page would
 * be interaction_required; no consent is consent_required.
 */
export const stepPromptNone: AuthorizeStep = {
  name: 'prompt_none',
  appliesTo: ['start', 'continue'],
  run(run) {
    if (!run.auth!.prompt.has('none')) return;
    if (!run.user || !run.fresh) throw new LoginRequiredError('The user is not signed in');
    throw run.remembered
      ? new InteractionRequiredError('This client needs the user to continue in the browser')
      : new ConsentRequiredError('The user has not approved this client for these scopes');
  },
};
