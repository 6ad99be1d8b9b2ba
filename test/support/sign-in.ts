import assert from 'node:assert/strict';
import { parseForms, type FollowResult, type HttpSession } from './http-session';

export interface DevSignInOptions {
  email: string;
  name?: string;
  /** Local path to continue to after sign-in (passed as `return_to` to /login). */
  returnTo?: string;
}

/**
 * Signs the session's browser in through the real pages: GET /login → read the dev-login form
 * (with its CSRF token) → POST /auth/dev, following redirects. Returns where it landed.
 */
export async function signInWithDevLogin(
  session: HttpSession,
  opts: DevSignInOptions,
): Promise<FollowResult> {
  const loginPath = opts.returnTo ? `/login?return_to=${encodeURIComponent(opts.returnTo)}` : '/login';
  const page = await session.follow(loginPath);
  assert.equal(page.response.status, 200, `GET ${loginPath} answered ${page.response.status}`);
  const form = parseForms(page.text).find((f) => f.action === '/auth/dev');
  assert.ok(form, 'the sign-in page has no dev-login form (is DEV_LOGIN on?)');
  return session.submit(form, page.url, { email: opts.email, name: opts.name ?? '' });
}

/** Follows a login redirect chain that already sits on the sign-in page (e.g. from /oauth/authorize). */
export async function submitDevLoginForm(
  session: HttpSession,
  loginPage: FollowResult,
  opts: { email: string; name?: string },
): Promise<FollowResult> {
  const form = parseForms(loginPage.text).find((f) => f.action === '/auth/dev');
  assert.ok(form, 'the page is not the sign-in page with a dev-login form');
  return session.submit(form, loginPage.url, { email: opts.email, name: opts.name ?? '' });
}
