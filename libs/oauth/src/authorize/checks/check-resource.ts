import { InvalidScopeError, InvalidTargetError } from '../../common/oauth-errors';
import { ADMIN_SCOPE, resolveResource, scopesForResource } from '../../common/resource';
import type { AuthorizeCheck } from '../authorize-context';

/**
 * RFC 8707 §2 / AS-RI-01..05: the MCP resource (absent = it; trailing slash = it) or the admin API's
 * resource, else invalid_target. The scopes are then narrowed to what that resource carries: `admin`
 * only for the admin resource (asked with no scope: `admin`), never for /mcp (RFC 6749 §3.3).
 */
export const checkResource: AuthorizeCheck = {
  name: 'check_resource',
  run(ctx, deps) {
    const { mcpResource, adminResource } = deps.config;
    const resource = resolveResource(ctx.param('resource'), mcpResource, [adminResource]);
    if (!resource) throw new InvalidTargetError('resource is not a resource this server issues tokens for');
    ctx.resource = resource;
    const requested = ctx.param('scope')?.trim() ? ctx.scopes! : [];
    const scopes =
      resource === adminResource && requested.length === 0
        ? [ADMIN_SCOPE]
        : scopesForResource(ctx.scopes!, resource, adminResource);
    if (scopes.length === 0) {
      throw new InvalidScopeError(
        resource === adminResource
          ? `resource ${adminResource} is for the ${ADMIN_SCOPE} scope only`
          : `the ${ADMIN_SCOPE} scope is issued only for resource ${adminResource}`,
      );
    }
    ctx.scopes = scopes;
  },
};
