import { InvalidRequestError } from '../../common/oauth-errors';
import { paramReader } from '../../common/params';
import type { AuthorizeStep } from './authorize-step';

/** The consent form's fields: which stored request, its CSRF token, and the person's answer. */
export const stepReadDecision: AuthorizeStep = {
  name: 'read_decision',
  appliesTo: ['decide'],
  run(run) {
    const param = paramReader(run.input);
    const requestId = param('request_id');
    const csrfToken = param('csrf_token');
    const decision = param('decision');
    if (!requestId || !csrfToken || (decision !== 'allow' && decision !== 'deny')) {
      throw new InvalidRequestError('The consent form is incomplete');
    }
    run.handle = requestId;
    run.form = { csrfToken, decision };
  },
};
