import { Logger } from '@nestjs/common';
import type { Request } from 'express';
import type { Strategy } from 'passport';
import { randomSecret } from '../secrets';
import { SignInRefused, type UpstreamProfile } from '../users/upstream-profile';
import { setAttemptContext, type AttemptContext } from './attempt-context';
import type { ConsumedAttempt, IdentityProvider, UpstreamRedirect } from './identity-provider';
import { runPassportStrategy, type StrategyOutcome } from './passport-runner';

/** How long one upstream leg (discovery, authorization redirect, code exchange + profile) may take. */
export const UPSTREAM_TIMEOUT_MS = 10_000;

/**
 * Short, secret-free description of an upstream error for the log: names and messages only (the
 * libraries' messages carry no token values), plus the HTTP status and the inner error's message
 * (e.g. which ID-token claim failed), never the claims or response bodies themselves.
 */
export function describeUpstreamError(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  const status = (error as { oauthError?: { statusCode?: unknown } }).oauthError?.statusCode;
  const inner = error.cause instanceof Error ? ` <- ${error.cause.message.slice(0, 120)}` : '';
  return `${error.name}: ${error.message.slice(0, 200)}${inner}${typeof status === 'number' ? ` (HTTP ${status})` : ''}`;
}

/**
 * An IdentityProvider on top of a Passport strategy. Subclasses supply the strategy (built by
 * @nestjs/passport's PassportStrategy mixin) and map the upstream profile in its validate().
 */
export abstract class PassportIdentityProvider implements IdentityProvider {
  abstract readonly key: string;
  abstract readonly displayName: string;
  protected readonly logger = new Logger('IdentityProvider');

  /** The strategy instance (may be created lazily, e.g. after OIDC discovery). */
  protected abstract strategy(): Promise<Strategy>;

  /** Whether the attempt carries an OIDC nonce. */
  protected readonly usesNonce: boolean = false;

  /** Hook: prepare the request before the strategy runs (e.g. the OIDC session shim). */
  protected beforeRun(_req: Request, _context: AttemptContext): void {}

  /** Hook: collect what the strategy stored while building the authorization URL. */
  protected afterBegin(_req: Request, _context: AttemptContext): void {}

  async begin(req: Request, state: string): Promise<UpstreamRedirect> {
    const context = setAttemptContext(req, { state, nonce: this.usesNonce ? randomSecret() : null });
    const strategy = await this.strategyOrFail();
    this.beforeRun(req, context);
    const outcome = await runPassportStrategy(strategy, req, {}, UPSTREAM_TIMEOUT_MS);
    if (outcome.kind !== 'redirect') throw this.failure(outcome);
    this.afterBegin(req, context);
    return {
      url: outcome.url,
      codeVerifier: context.generatedVerifier ?? null,
      nonce: context.nonce ?? null,
    };
  }

  async finish(req: Request, attempt: ConsumedAttempt): Promise<UpstreamProfile> {
    const context = setAttemptContext(req, { ...attempt });
    const strategy = await this.strategyOrFail();
    this.beforeRun(req, context);
    const outcome = await runPassportStrategy(strategy, req, {}, UPSTREAM_TIMEOUT_MS);
    if (outcome.kind === 'success') return outcome.user as UpstreamProfile;
    throw this.failure(outcome);
  }

  private async strategyOrFail(): Promise<Strategy> {
    try {
      return await this.strategy();
    } catch (error) {
      this.logger.warn(`${this.key}: provider unavailable: ${describeUpstreamError(error)}`);
      throw new SignInRefused('upstream_failed', 'provider unavailable');
    }
  }

  private failure(outcome: StrategyOutcome): SignInRefused {
    switch (outcome.kind) {
      case 'error':
        if (outcome.error instanceof SignInRefused) return outcome.error;
        this.logger.warn(`${this.key}: upstream error: ${describeUpstreamError(outcome.error)}`);
        return new SignInRefused('upstream_failed', describeUpstreamError(outcome.error));
      case 'fail':
        return new SignInRefused('upstream_denied', 'strategy refused the callback');
      case 'redirect':
      case 'pass':
      case 'success':
        return new SignInRefused('upstream_failed', `unexpected strategy outcome ${outcome.kind}`);
    }
  }
}
