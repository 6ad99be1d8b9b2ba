import type { Request } from 'express';
import type { Strategy } from 'passport';

export type StrategyOutcome =
  | { readonly kind: 'redirect'; readonly url: string }
  | { readonly kind: 'success'; readonly user: unknown }
  | { readonly kind: 'fail'; readonly info: unknown }
  | { readonly kind: 'error'; readonly error: unknown }
  | { readonly kind: 'pass' };

export class UpstreamTimeout extends Error {
  constructor(ms: number) {
    super(`the identity provider did not answer within ${ms} ms`);
    this.name = 'UpstreamTimeout';
  }
}

/**
 * Runs one Passport strategy for one request and reports the outcome as a value, exactly as
 * passport.authenticate() drives a strategy (it augments a per-request copy with success / fail /
 * redirect / pass / error), but without touching the response: the caller persists the attempt
 * before redirecting and renders its own pages. Upstream calls of passport-oauth2 have no timeout of
 * their own; a provider that does not answer within `timeoutMs` is reported as an error.
 */
export function runPassportStrategy(
  strategy: Strategy,
  req: Request,
  options: object,
  timeoutMs: number,
): Promise<StrategyOutcome> {
  return new Promise<StrategyOutcome>((resolve) => {
    const timer = setTimeout(
      () => resolve({ kind: 'error', error: new UpstreamTimeout(timeoutMs) }),
      timeoutMs,
    );
    const done = (outcome: StrategyOutcome) => {
      clearTimeout(timer);
      resolve(outcome);
    };
    const run = Object.create(strategy) as Strategy & {
      success(user: unknown, info?: unknown): void;
      fail(info?: unknown, status?: number): void;
      redirect(url: string, status?: number): void;
      pass(): void;
      error(error: unknown): void;
    };
    run.success = (user) => done({ kind: 'success', user });
    run.fail = (info) => done({ kind: 'fail', info });
    run.redirect = (url) => done({ kind: 'redirect', url });
    run.pass = () => done({ kind: 'pass' });
    run.error = (error) => done({ kind: 'error', error });
    try {
      (run.authenticate as (req: Request, options: object) => void).call(run, req, options);
    } catch (error) {
      done({ kind: 'error', error });
    }
  });
}
