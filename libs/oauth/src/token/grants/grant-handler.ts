import type { AuditLog } from '@app/audit';
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
 * One grant type (STYLE §3). The token controller authenticates the client and looks the handler up
 * by `grant_type`; adding a grant is one file plus one line in GRANT_HANDLER_CLASSES.
 */
export interface GrantHandler {
  readonly grantType: string;
  /** Body parameters this grant reads (besides grant_type and client authentication). */
  readonly parameters: readonly string[];
  handle(context: GrantContext): Promise<TokenResponse>;
}

export const GRANT_HANDLERS = Symbol('GRANT_HANDLERS');

/**
 * Issue #7: the event of a change that has already committed (token.issued, refresh.rotated) is
 * written before the response is sent; should that write fail, the event goes to the background batch
 * rather than failing a request whose tokens exist already (a client retrying a used code or refresh
 * token would then trip replay detection).
 */
export async function recordCommitted(
  audit: AuditLog,
  event: Parameters<AuditLog['recordInBackground']>[0],
): Promise<void> {
  try {
    await audit.record(event);
  } catch {
    audit.recordInBackground(event);
  }
}
