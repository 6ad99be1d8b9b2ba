import type { SignInRefusal } from '../users/upstream-profile';

interface ErrorText {
  status: number;
  heading: string;
  message: string;
}

/** What the person reads for each refusal. Never echoes upstream data or secrets. */
export const SIGN_IN_ERRORS: Record<SignInRefusal, ErrorText> = {
  email_domain_not_allowed: {
    status: 403,
    heading: 'Access not allowed',
    message:
      'Your email address is not in a domain that may use this server. Ask your administrator for access.',
  },
  verified_email_required: {
    status: 403,
    heading: 'Verified email required',
    message:
      'This server only admits people with a verified email address. Verify your primary email with your sign-in provider and try again.',
  },
  org_not_allowed: {
    status: 403,
    heading: 'Access not allowed',
    message:
      'Your GitHub account is not a member of an organisation allowed to use this server (or the membership is not visible to this application).',
  },
  user_disabled: {
    status: 403,
    heading: 'Account disabled',
    message: 'This account has been disabled. Ask your administrator.',
  },
  upstream_denied: {
    status: 403,
    heading: 'Sign-in cancelled',
    message: 'The sign-in provider did not confirm your identity (access was denied or cancelled).',
  },
  upstream_failed: {
    status: 502,
    heading: 'Sign-in provider problem',
    message:
      'We could not complete the sign-in with the provider (it failed or did not answer in time). Please try again.',
  },
  attempt_invalid: {
    status: 400,
    heading: 'Sign-in expired',
    message:
      'This sign-in link is invalid, was already used or has expired. Start again from the sign-in page.',
  },
  csrf_failed: {
    status: 403,
    heading: 'Form expired',
    message:
      'The form was not sent from this browser session or has expired. Reload the sign-in page and try again.',
  },
  form_invalid: {
    status: 400,
    heading: 'Check the form',
    message: 'Enter a valid email address (and a display name of at most 255 characters), then try again.',
  },
  rate_limited: {
    status: 429,
    heading: 'Too many sign-in emails',
    message:
      'Too many sign-in links were asked for this address or from this network. Wait a while, or use the last link you received.',
  },
  provider_unknown: {
    status: 404,
    heading: 'Unknown sign-in method',
    message: 'This sign-in method is not enabled on this server.',
  },
};
