import type { AuthorizeStep } from './authorize-step';
import { stepApplyDecision } from './step-apply-decision';
import { stepClaimRequest } from './step-claim-request';
import { stepConsentCovers } from './step-consent-covers';
import { stepConsentCsrf } from './step-consent-csrf';
import { stepIssueCode } from './step-issue-code';
import { stepLoadRequest } from './step-load-request';
import { stepLoadUser } from './step-load-user';
import { stepPromptNone } from './step-prompt-none';
import { stepReadDecision } from './step-read-decision';
import { stepRenderConsent } from './step-render-consent';
import { stepSendToSignIn } from './step-send-to-sign-in';
import { stepStoreRequest } from './step-store-request';

/**
 * The authorization endpoint after its checks, as one ordered table (docs/architecture.md C2). Each
 * entry point (GET /oauth/authorize = start, the return from sign-in = continue, the consent form's
 * POST = decide) runs the steps that list it, in this order, until one answers; authorize-runner.ts
 * sends any error to the redirect URI once the request is known.
 */
export const AUTHORIZE_STEPS: readonly AuthorizeStep[] = [
  stepLoadRequest,
  stepReadDecision,
  stepLoadUser,
  stepConsentCsrf,
  stepConsentCovers,
  stepClaimRequest,
  stepApplyDecision,
  stepIssueCode,
  stepPromptNone,
  stepStoreRequest,
  stepSendToSignIn,
  stepRenderConsent,
];
