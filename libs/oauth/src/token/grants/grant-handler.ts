import type { ParamReader } from '../../common/params';
import type { OAuthClientEntity } from '../../entities/oauth-client.entity';
import type { TokenResponse } from '../token-issuer';

export interface GrantContext {
  /** The authenticated client. */
  readonly client: OAuthClientEntity;
  readonly param: ParamReader;
  readonly ip: string;
}

/**
 * One grant type (docs/architecture.md C3). The token controller authenticates the client and looks the handler up
 * by `grant_type`; adding a grant is one file plus one line in GRANT_HANDLER_CLASSES.
 */
export interface GrantHandler {
  readonly grantType: string;
  /** Body parameters this grant reads (besides grant_type and client authentication). */
  readonly parameters: readonly string[];
  handle(context: GrantContext): Promise<TokenResponse>;
}

export const GRANT_HANDLERS = Symbol('GRANT_HANDLERS');
