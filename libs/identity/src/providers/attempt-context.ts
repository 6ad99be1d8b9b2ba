import type { Request } from 'express';

/**
 * The secrets of the sign-in attempt being started or completed, handed to a Passport strategy
 * through the request object for the duration of one strategy run (never through process-wide
 * state). Strategies read `state`, `codeVerifier` and `nonce` from here and report the PKCE verifier
 * they generated back into `generatedVerifier`.
 */
export interface AttemptContext {
  state: string;
  codeVerifier?: string | null;
  nonce?: string | null;
  generatedVerifier?: string;
}

const CONTEXT = Symbol('identity.attemptContext');

export function setAttemptContext(req: Request, context: AttemptContext): AttemptContext {
  (req as unknown as Record<symbol, AttemptContext>)[CONTEXT] = context;
  return context;
}

export function getAttemptContext(req: Request): AttemptContext | undefined {
  return (req as unknown as Record<symbol, AttemptContext | undefined>)[CONTEXT];
}

/**
 * passport-oauth2's state-store extension point (the `store` option), backed by the attempt context
 * instead of express-session. The attempt itself lives in PostgreSQL (UpstreamAttemptRepository): by
 * the time `verify` runs, the callback's `state` has already been matched and consumed there, and
 * this store only checks that the strategy sees that same state and hands back the stored verifier.
 */
export class AttemptContextStateStore {
  store(
    req: Request,
    verifier: string | undefined,
    _state: unknown,
    _meta: unknown,
    callback: (err: Error | null, state?: string) => void,
  ): void {
    const context = getAttemptContext(req);
    if (!context) return callback(new Error('no sign-in attempt in progress'));
    if (verifier) context.generatedVerifier = verifier;
    callback(null, context.state);
  }

  verify(
    req: Request,
    providedState: string,
    _meta: unknown,
    callback: (err: Error | null, ok: string | boolean, info?: unknown) => void,
  ): void {
    const context = getAttemptContext(req);
    if (!context || providedState !== context.state) {
      return callback(null, false, { message: 'state mismatch' });
    }
    callback(null, context.codeVerifier ?? true);
  }
}
