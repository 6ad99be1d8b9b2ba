import { InvalidRequestError, UnknownClientError } from '../../common/oauth-errors';
import type { AuthorizeCheck } from '../authorize-context';

/** RFC 6749 §4.1.2.1: an unknown or missing client_id is shown to the user, never redirected. */
export const checkClient: AuthorizeCheck = {
  name: 'check_client',
  async run(ctx, deps) {
    const clientId = ctx.param('client_id');
    if (!clientId) throw new InvalidRequestError('client_id is required');
    const client = clientId.length <= 64 ? await deps.findClient(clientId) : null;
    if (!client)
      throw new UnknownClientError(
        'The client is not registered with this server',
        `client_id ${clientId.slice(0, 64)}`,
      );
    // Issue #8: an administrator disabled it; say so instead of "not registered".
    if (client.disabledAt)
      throw new UnknownClientError(
        'This application has been disabled by the administrator of this server',
        `client_id ${client.clientId} disabled`,
      );
    ctx.client = client;
  },
};
