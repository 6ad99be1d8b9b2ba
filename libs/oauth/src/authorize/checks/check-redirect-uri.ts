import { InvalidRedirectUriError } from '../../common/oauth-errors';
import { isLoopbackHost, matchRedirectUri } from '../../clients/redirect-uri';
import type { AuthorizeCheck } from '../authorize-context';

function isLoopbackUri(uri: string): boolean {
  try {
    const url = new URL(uri);
    return url.protocol === 'http:' && isLoopbackHost(url.hostname);
  } catch {
    return false;
  }
}

/**
 * AS-PK-04 / RFC 6749 §3.1.2.3: the redirect_uri must match a registered one exactly (loopback: any
 * port, RFC 8252 §7.3). It may be omitted only when exactly one non-loopback URI is registered.
 * Only after this check may errors be redirected; so `state` is read here.
 */
export const checkRedirectUri: AuthorizeCheck = {
  name: 'check_redirect_uri',
  run(ctx) {
    const client = ctx.client!;
    const requested = ctx.param('redirect_uri');
    let redirectUri: string;
    // AS-REG-04: a URL client's redirect_uri is required and must be one of its document's exactly.
    if (client.createdVia === 'cimd') {
      if (requested === undefined)
        throw new InvalidRedirectUriError('redirect_uri is required for this client');
      if (!client.redirectUris.includes(requested)) {
        throw new InvalidRedirectUriError(
          "redirect_uri is not one of the redirect_uris in this client's metadata document",
        );
      }
      redirectUri = requested;
    } else if (requested === undefined) {
      const only = client.redirectUris.length === 1 ? client.redirectUris[0] : undefined;
      if (!only || isLoopbackUri(only)) {
        throw new InvalidRedirectUriError('redirect_uri is required for this client');
      }
      redirectUri = only;
    } else {
      const match = matchRedirectUri(requested, client.redirectUris);
      if (!match) throw new InvalidRedirectUriError('redirect_uri is not registered for this client');
      // The loopback port is the one the client is listening on now: redirect to what it sent.
      redirectUri = requested;
    }
    ctx.redirectUri = redirectUri;
    ctx.redirectUriProvided = requested !== undefined;
    // AS-PK-06: echoed verbatim (a repeated state is refused by the reader, and then not echoed).
    ctx.state = ctx.param('state');
  },
};
