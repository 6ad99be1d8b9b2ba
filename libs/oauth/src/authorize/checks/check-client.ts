import { InvalidRequestError, UnknownClientError } from '../../common/oauth-errors';
import { isUrlClientId } from '../../cimd/client-document';
import type { AuthorizeCheck } from '../authorize-context';

/**
 * RFC 6749 §4.1.2.1: an unknown or missing client_id is shown to the user, never redirected.
 * AS-REG-04: a URL client_id is resolved through its Client ID Metadata Document; the row that stands
 * for a URL client internally is never accepted under its internal id.
 */
export const checkClient: AuthorizeCheck = {
  name: 'check_client',
  async run(ctx, deps) {
    const clientId = ctx.param('client_id');
    if (!clientId) throw new InvalidRequestError('client_id is required');
    if (isUrlClientId(clientId)) {
      ctx.client = await deps.resolveUrlClient(clientId);
      return;
    }
    const found = clientId.length <= 64 ? await deps.findClient(clientId) : null;
    const client = found && found.createdVia !== 'cimd' ? found : null;
    if (!client)
      throw new UnknownClientError(
        'The client is not registered with this server',
        `client_id ${clientId.slice(0, 64)}`,
      );
    // An administrator disabled it; say so instead of "not registered".
    if (client.disabledAt)
      throw new UnknownClientError(
        'This application has been disabled by the administrator of this server',
        `client_id ${client.clientId} disabled`,
      );
    ctx.client = client;
  },
};
