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

const decode = (s: string) =>
  s
    .replace(/&amp;/g, '&')
    .replace(/&#x3D;/g, '=')
    .replace(/&quot;/g, '"');

/** The href of the sign-in page's "Continue with …" button for a provider. */
export function providerLink(loginHtml: string, provider: string): string | undefined {
  const match = new RegExp(`<a[^>]*href="([^"]*)"[^>]*data-provider="${provider}"`).exec(loginHtml);
  return match ? decode(match[1]) : undefined;
}

/** Opens the sign-in page and presses a provider's button; returns the upstream authorization URL. */
export async function startProviderSignIn(
  session: HttpSession,
  provider: string,
  returnTo?: string,
): Promise<string> {
  const loginPath = returnTo ? `/login?return_to=${encodeURIComponent(returnTo)}` : '/login';
  const page = await session.follow(loginPath);
  assert.equal(page.response.status, 200);
  const href = providerLink(page.text, provider);
  assert.ok(href, `the sign-in page has no "${provider}" button`);
  const started = await session.follow(href);
  assert.ok(
    started.externalRedirect,
    `GET ${href} did not redirect to the provider (${started.response.status})`,
  );
  return started.externalRedirect;
}

/** Lets the (fake) provider answer the authorization request; returns the callback URL it redirects to. */
export async function passThroughProvider(authorizeUrl: string): Promise<string> {
  const res = await fetch(authorizeUrl, { redirect: 'manual' });
  await res.text();
  const location = res.headers.get('location');
  assert.ok(res.status === 302 && location, `the provider answered ${res.status} without a redirect`);
  return location;
}

/** Full upstream sign-in through the real pages and the (fake) provider. Returns where it landed. */
export async function signInWithProvider(
  session: HttpSession,
  provider: string,
  opts: { returnTo?: string } = {},
): Promise<FollowResult & { callbackUrl: string }> {
  const authorizeUrl = await startProviderSignIn(session, provider, opts.returnTo);
  const callbackUrl = await passThroughProvider(authorizeUrl);
  const landed = await session.follow(callbackUrl);
  return { ...landed, callbackUrl };
}

/** Opens the sign-in page and asks for an email link; returns the "check your email" page. */
export async function requestEmailLink(
  session: HttpSession,
  email: string,
  opts: { returnTo?: string } = {},
): Promise<FollowResult> {
  const loginPath = opts.returnTo ? `/login?return_to=${encodeURIComponent(opts.returnTo)}` : '/login';
  const page = await session.follow(loginPath);
  assert.equal(page.response.status, 200);
  return submitEmailLinkForm(session, page, email);
}

/** Submits the "Email me a sign-in link" form of a sign-in page already loaded. */
export async function submitEmailLinkForm(
  session: HttpSession,
  loginPage: FollowResult,
  email: string,
): Promise<FollowResult> {
  const form = parseForms(loginPage.text).find((f) => f.action === '/auth/email');
  assert.ok(form, 'the sign-in page has no email-link form (is EMAIL_LOGIN on with SMTP?)');
  return session.submit(form, loginPage.url, { email });
}
