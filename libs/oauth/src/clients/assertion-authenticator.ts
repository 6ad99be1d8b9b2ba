import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { InvalidClientError, InvalidRequestError } from '../common/oauth-errors';
import type { ParamReader } from '../common/params';
import type { OAuthClientEntity } from '../entities/oauth-client.entity';
import { JwtIdRegistry } from '../jose';
import {
  assertedClientId,
  ClientAssertionError,
  JWT_BEARER_ASSERTION_TYPE,
  verifyClientAssertion,
  type VerifiedAssertion,
} from './client-assertion';
import { ClientKeySource } from './client-key-source';

/** The token endpoint's path (TokenRoute.path), one of the audiences an assertion may name. */
const TOKEN_ENDPOINT_PATH = '/api/oauth/token';

/** Finds the client an assertion names: a registered client or a URL client (its resolver). */
export type AssertingClientLookup = (clientId: string) => Promise<OAuthClientEntity | null>;

/**
 * private_key_jwt client authentication (RFC 7523 §2.2, RFC 7521 §4.2) at the token, revocation and
 * introspection endpoints (EXT-CC-04). Every failure is invalid_client (RFC 7521 §4.2.1), with no WWW-Authenticate:
 * the client did not use the Authorization header (RFC 6749 §5.2).
 */
@Injectable()
export class AssertionAuthenticator {
  private readonly audiences: readonly string[];

  constructor(
    private readonly keys: ClientKeySource,
    private readonly jwtIds: JwtIdRegistry,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.audiences = [config.issuer, `${config.publicUrl}${TOKEN_ENDPOINT_PATH}`];
  }

  /** Whether the request authenticates with an assertion (either parameter present). */
  static presented(param: ParamReader): boolean {
    return param('client_assertion') !== undefined || param('client_assertion_type') !== undefined;
  }

  async authenticate(
    authorization: string | undefined,
    param: ParamReader,
    lookup: AssertingClientLookup,
  ): Promise<OAuthClientEntity> {
    // RFC 6749 §2.3: one authentication method per request.
    if (authorization !== undefined || param('client_secret') !== undefined) {
      throw new InvalidRequestError(
        'Use one client authentication method: client_assertion, or a client secret',
      );
    }
    const type = param('client_assertion_type');
    const assertion = param('client_assertion');
    if (type !== JWT_BEARER_ASSERTION_TYPE) {
      throw new InvalidClientError(
        `client_assertion_type must be ${JWT_BEARER_ASSERTION_TYPE} (RFC 7523 §2.2)`,
      );
    }
    if (!assertion) throw new InvalidClientError('client_assertion is required with client_assertion_type');
    try {
      const clientId = assertedClientId(assertion);
      // RFC 7521 §4.2: client_id may be omitted; when sent it names the same client.
      const bodyId = param('client_id');
      if (bodyId !== undefined && bodyId !== clientId) {
        throw new ClientAssertionError(
          'client_id differs from the client assertion’s sub',
          'client_id mismatch',
        );
      }
      const client = await lookup(clientId);
      if (!client) throw new ClientAssertionError('Client authentication failed', 'unknown client');
      if (client.tokenEndpointAuthMethod !== 'private_key_jwt') {
        throw new ClientAssertionError(
          `This client authenticates with ${client.tokenEndpointAuthMethod}, not private_key_jwt`,
          `registered ${client.tokenEndpointAuthMethod}, used private_key_jwt`,
        );
      }
      const verified = await this.verify(assertion, clientId, client);
      // RFC 7523 §3 item 7: a jti is used once; the record lives in PostgreSQL for every replica (LB-06).
      if (!(await this.jwtIds.useOnce(clientId, verified.jti, verified.expiresAt))) {
        throw new ClientAssertionError('The client assertion has already been used (jti)', 'jti replay');
      }
      client.clientSecretHash = null;
      client.registrationTokenHash = null;
      return client;
    } catch (thrown) {
      if (thrown instanceof ClientAssertionError) {
        throw new InvalidClientError(thrown.description, `private_key_jwt: ${thrown.detail}`);
      }
      throw thrown;
    }
  }

  /** Verifies against the client's keys; a jwks_uri set that lacks the key is fetched once more. */
  private async verify(
    assertion: string,
    clientId: string,
    client: OAuthClientEntity,
  ): Promise<VerifiedAssertion> {
    const expected = { clientId, audiences: this.audiences };
    try {
      return await verifyClientAssertion(assertion, await this.keys.keysOf(client), expected);
    } catch (thrown) {
      const keyMissing = thrown instanceof ClientAssertionError && thrown.detail === 'no matching key';
      if (!keyMissing || !this.keys.mayRefetch(client)) throw thrown;
      return verifyClientAssertion(assertion, await this.keys.keysOf(client, true), expected);
    }
  }
}
