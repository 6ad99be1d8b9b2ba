import { InvalidTargetError } from '../../common/oauth-errors';
import { resolveResource } from '../../common/resource';
import type { AuthorizeCheck } from '../authorize-context';

/** RFC 8707 §2 / AS-RI-01..05: the MCP resource (absent = it; trailing slash = it), else invalid_target. */
export const checkResource: AuthorizeCheck = {
  name: 'check_resource',
  run(ctx, deps) {
    const resource = resolveResource(ctx.param('resource'), deps.config.mcpResource);
    if (!resource) throw new InvalidTargetError('resource is not a resource this server issues tokens for');
    ctx.resource = resource;
  },
};
