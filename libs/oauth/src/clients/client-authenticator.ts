import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { InvalidClientError, InvalidRequestError } from '../common/oauth-errors';
import { checkParamValue, type ParamReader } from '../common/params';
import { digest, secretMatches } from '../common/secrets';
import type { OAuthClientEntity, TokenEndpointAuthMethod } from '../entities/oauth-client.entity';
import { ClientCache } from './client-cache';
import { CimdClientResolver } from '../cimd/cimd-client.resolver';
import { CimdClientError, isUrlClientId } from '../cimd/client-document';
import { clientIp } from '../common/params';
import { AssertionAuthenticator } from './assertion-authenticator';

interface PresentedCredentials {
  method: TokenEndpointAuthMethod;
  clientId: string;
  secret?: string;
  usedBasic: boolean;
}

/** RFC 6749 §2.3.1 / RFC 7591 §2: how a client of each token_endpoint_auth_method presents itself. */
const HOW_TO_AUTHENTICATE: Record<TokenEndpointAuthMethod, string> = {
  none: 'client_id in the request body, no secret',
  client_secret_basic: 'client_id and client_secret in an HTTP Basic Authorization header',
  client_secret_post: 'client_id and client_secret in the request body',
  private_key_jwt: 'a signed JWT in client_assertion (RFC 7523 §2.2)',
};

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64. */
function decodeFormComponent(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

/** Reads the one authentication method a request uses (RFC 6749 §2.3: never more than one). */
export function presentedCredentials(
  authorization: string | undefined,
  param: ParamReader,
): PresentedCredentials {
  const bodyId = param('client_id');
  const bodySecret = param('client_secret');
  if (authorization !== undefined) {
    const match = /^Basic +([A-Za-z0-9+/]+={0,2})$/i.exec(authorization.trim());
    if (!match) throw new InvalidClientError('Unsupported client authentication scheme', undefined, true);
    let clientId: string;
    let secret: string;
    try {
      const decoded = Buffer.from(match[1], 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new Error('no colon');
      clientId = decodeFormComponent(decoded.slice(0, colon));
      secret = decodeFormComponent(decoded.slice(colon + 1));
    } catch {
      throw new InvalidClientError('Malformed HTTP Basic credentials', undefined, true);
    }
    // RFC 6749 Appendix A: the decoded client_id and secret are VSCHAR like their body counterparts.
    checkParamValue('client_id', clientId);
    checkParamValue('client_secret', secret);
    if (bodySecret !== undefined) {
      throw new InvalidRequestError('Use one client authentication method, not both Basic and client_secret');
    }
    if (bodyId !== undefined && bodyId !== clientId) {
      throw new InvalidRequestError('client_id in the body differs from the authenticated client');
    }
    return { method: 'client_secret_basic', clientId, secret, usedBasic: true };
  }
  if (bodySecret !== undefined) {
    if (bodyId === undefined) throw new InvalidClientError('client_id is required');
    return { method: 'client_secret_post', clientId: bodyId, secret: bodySecret, usedBasic: false };
  }
  if (bodyId === undefined) throw new InvalidClientError('Client authentication is required');
  return { method: 'none', clientId: bodyId, usedBasic: false };
}

/** What client authentication reads of the HTTP request besides its body parameters. */
export interface ClientRequest {
  /** The Authorization header (HTTP Basic client credentials). */
  readonly authorization: string | undefined;
  /** Client IP as Express computes it (TRUST_PROXY). */
  readonly ip: string;
}

/** The ClientRequest of an Express request. */
export function clientRequestOf(request: Request): ClientRequest {
  return { authorization: request.headers.authorization, ip: clientIp(request) };
}

/** Client authentication for the token, revocation and introspection endpoints. */
@Injectable()
export class ClientAuthenticator {
  constructor(
    private readonly clients: ClientCache,
    private readonly urlClients: CimdClientResolver,
    private readonly assertions: AssertionAuthenticator,
  ) {}

  async authenticate(request: ClientRequest, param: ParamReader): Promise<OAuthClientEntity> {
    // RFC 7523 §2.2: private_key_jwt (a signed client assertion).
    if (AssertionAuthenticator.presented(param)) {
      return this.assertions.authenticate(request.authorization, param, (id) =>
        this.assertingClient(id, request),
      );
    }
    const presented = presentedCredentials(request.authorization, param);
    if (isUrlClientId(presented.clientId)) return this.authenticateUrlClient(presented, request);
    const fail = (detail: string) =>
      new InvalidClientError('Client authentication failed', detail, presented.usedBasic);
    if (presented.clientId.length > 64) throw fail('client_id too long');
    const client = await this.clients.findWithSecrets(presented.clientId);
    // The row that stands for a URL client is never addressed by its internal id.
    if (!client || client.createdVia === 'cimd') {
      // Same work as a known client, so response time does not tell which client ids exist.
      secretMatches(presented.secret ?? '', digest('unknown-client'));
      throw fail('unknown client');
    }
    // The client must use the method it registered (RFC 7591 token_endpoint_auth_method).
    if (client.tokenEndpointAuthMethod !== presented.method) {
      // Generic OAuth libraries default to client_secret_post or _basic: say which one this client
      // registered (its client_id is not secret, and the method is in its own registration response).
      throw new InvalidClientError(
        `This client authenticates with ${client.tokenEndpointAuthMethod} (${HOW_TO_AUTHENTICATE[client.tokenEndpointAuthMethod]}); the request used ${presented.method}`,
        `registered ${client.tokenEndpointAuthMethod}, used ${presented.method}`,
        presented.usedBasic,
      );
    }
    if (presented.method !== 'none') {
      if (!secretMatches(presented.secret ?? '', client.clientSecretHash)) throw fail('wrong secret');
      if (client.clientSecretExpiresAt && client.clientSecretExpiresAt.getTime() <= Date.now()) {
        throw fail('secret expired');
      }
    }
    client.clientSecretHash = null;
    client.registrationTokenHash = null;
    return client;
  }

  /** The client an assertion names (null: unknown); a URL client's document is resolved as usual. */
  private async assertingClient(clientId: string, request: ClientRequest): Promise<OAuthClientEntity | null> {
    if (isUrlClientId(clientId)) {
      try {
        return await this.urlClients.resolve(clientId, request.ip);
      } catch (thrown) {
        if (thrown instanceof CimdClientError)
          throw new InvalidClientError(thrown.description, thrown.outcome);
        throw thrown;
      }
    }
    if (clientId.length > 64) return null;
    const client = await this.clients.findWithSecrets(clientId);
    return client && client.createdVia !== 'cimd' ? client : null;
  }

  /**
   * AS-REG-04 / AS-REG-05: a URL client (Client ID Metadata Document) is public: it presents its
   * client_id and no secret. The document comes from the shared cache or is fetched again; when it
   * cannot be used the answer is invalid_client (RFC 6749 §5.2, 401).
   */
  private async authenticateUrlClient(
    presented: PresentedCredentials,
    request: ClientRequest,
  ): Promise<OAuthClientEntity> {
    if (presented.method !== 'none') {
      throw new InvalidClientError(
        `A client identified by a metadata document URL authenticates with none or private_key_jwt; ${presented.method} is not accepted (a document cannot carry a client secret)`,
        undefined,
        presented.usedBasic,
      );
    }
    try {
      const client = await this.urlClients.resolve(presented.clientId, request.ip);
      // A document that names private_key_jwt (RFC 7523 §2.2) binds the client to its keys.
      if (client.tokenEndpointAuthMethod !== 'none') {
        throw new InvalidClientError(
          `This client authenticates with ${client.tokenEndpointAuthMethod} (${HOW_TO_AUTHENTICATE[client.tokenEndpointAuthMethod]}); the request used none`,
        );
      }
      return client;
    } catch (thrown) {
      if (thrown instanceof CimdClientError) {
        throw new InvalidClientError(
          thrown.description,
          `client_id ${presented.clientId.slice(0, 200)}: ${thrown.outcome}`,
        );
      }
      throw thrown;
    }
  }
}
