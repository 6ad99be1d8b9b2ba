import {
  Catch,
  HttpException,
  Inject,
  Injectable,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { join } from 'node:path';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { PageRenderer } from '@app/web';
import { InvalidRequestError, OAuthError, toWireError, type WireError } from './oauth-errors';

/** Nest's own 4xx (e.g. a body the parser refused) become invalid_request, never Nest's generic body. */
export function normalise(thrown: unknown): unknown {
  if (thrown instanceof HttpException && !(thrown instanceof OAuthError)) {
    const status = thrown.getStatus();
    if (status >= 400 && status < 500) {
      const error = new InvalidRequestError('The request is malformed', thrown.message);
      return Object.assign(error, { status: status === 413 ? 413 : 400 });
    }
  }
  return thrown;
}

function log(logger: Logger, request: Request, wire: WireError, thrown: unknown): void {
  logWireError(logger, `${request.method} ${request.path}`, wire, thrown);
}

/** The log line of an OAuth error answer: 5xx at error level with the stack, others at debug. */
export function logWireError(logger: Logger, where: string, wire: WireError, thrown: unknown): void {
  if (wire.status >= 500) {
    logger.error(`${where} → ${wire.body.error}: ${wire.cause.detail ?? ''}`, (thrown as Error)?.stack);
  } else {
    logger.debug(`${where} → ${wire.body.error}${wire.cause.detail ? ` (${wire.cause.detail})` : ''}`);
  }
}

/** The logger of the JSON endpoints' errors (OAuthJsonExceptionFilter and the token fast path). */
export const OAUTH_ERROR_LOGGER = 'OAuth';

/** JSON endpoints (token, register, revoke, introspect): RFC 6749 §5.2 body, always no-store. */
@Catch()
@Injectable()
export class OAuthJsonExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(OAUTH_ERROR_LOGGER);

  catch(thrown: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const response = ctx.getResponse<Response>();
    const wire = toWireError(normalise(thrown));
    log(this.logger, ctx.getRequest<Request>(), wire, thrown);
    if (response.headersSent) return;
    response
      .status(wire.status)
      .set({ ...wire.headers, 'Cache-Control': 'no-store', Pragma: 'no-cache' })
      .json(wire.body);
  }
}

const RESPONSE_PARAMETERS = ['code', 'state', 'iss', 'error', 'error_description', 'error_uri'];

/** Builds the redirect of an authorization response (success or error), with `iss` (RFC 9207). */
export function authorizationResponseUrl(
  redirectUri: string,
  issuer: string,
  params: Record<string, string | undefined>,
): string {
  const url = new URL(redirectUri);
  // RFC 9207 §2.4: exactly one `iss` (and one of each response parameter). Registration refuses URIs that
  // carry them; a URI registered before that rule loses its copies rather than sending two.
  for (const name of RESPONSE_PARAMETERS) url.searchParams.delete(name);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) url.searchParams.append(key, value);
  }
  url.searchParams.append('iss', issuer);
  return url.toString();
}

/** Where a "return to the application" link leads, as a person should read it (scheme for non-web URIs). */
function describeTarget(url: string): string {
  const target = new URL(url);
  return target.protocol === 'https:' || target.protocol === 'http:'
    ? target.host
    : `${target.protocol}//${target.host}`;
}

/**
 * The authorization endpoint (and its consent/continue routes): an error is redirected to the client
 * with `error`, `error_description`, `state` and `iss` only once client_id and redirect_uri are known
 * good (RFC 6749 §4.1.2.1, RFC 9207 §2); before that, or for non-redirectable errors, an error page.
 */
@Catch()
@Injectable()
export class AuthorizeExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('OAuthAuthorize');

  constructor(
    private readonly pages: PageRenderer,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  catch(thrown: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const request = ctx.getRequest<Request>();
    const response = ctx.getResponse<Response>();
    const wire = toWireError(normalise(thrown));
    log(this.logger, request, wire, thrown);
    if (response.headersSent) return;
    const error = wire.cause;
    let returnUrl: string | undefined;
    if (error.redirectable && error.redirect) {
      const location = authorizationResponseUrl(error.redirect.redirectUri, this.config.issuer, {
        error: wire.body.error,
        error_description: wire.body.error_description,
        state: error.redirect.state,
      });
      if (!error.redirect.untrusted) {
        response.set('Cache-Control', 'no-store').redirect(request.method === 'GET' ? 302 : 303, location);
        return;
      }
      // AS-PK-05: no automatic redirect to a URI anyone could have registered; the person decides.
      returnUrl = location;
    }
    for (const [name, value] of Object.entries(wire.headers)) response.set(name, value);
    this.pages.render(response, {
      viewsDir: join(__dirname, '..', 'views'),
      view: 'error',
      title: 'Authorization failed',
      status: wire.status,
      context: {
        error: wire.body.error,
        description: wire.body.error_description,
        returnUrl,
        returnHost: returnUrl ? describeTarget(returnUrl) : undefined,
      },
    });
  }
}
