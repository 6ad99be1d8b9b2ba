import type { McpCaller } from '../tools/tool-types';
import { isObject, type Json, type Notify, type RequestContext } from './dispatch-types';
import { ErrorCodes, JsonRpcError, type ModernRequest } from './modern';
import { SUPPORTED_PROTOCOL_VERSIONS } from './protocol-versions';
import type { ToolCall } from './tool-call';
import type { ToolListing } from './tool-listing';

/** Modern capabilities: logging too, since a tool may log on its own stream when asked (_meta logLevel). */
const MODERN_CAPABILITIES = Object.freeze({
  tools: Object.freeze({ listChanged: false }),
  logging: Object.freeze({}),
});

/** MCP 2026-07-28 caching: discovery is the same for everyone; tools/list depends on the person. */
const DISCOVER_TTL_MS = 3_600_000;
const TOOLS_LIST_TTL_MS = 300_000;

/**
 * The methods of the modern era (MCP 2026-07-28) for one validated request: server/discover, tools/list
 * and tools/call; anything else -32601 Method not found.
 */
export async function dispatchModern(
  request: ModernRequest,
  caller: McpCaller,
  context: RequestContext,
  notify: Notify,
  listing: ToolListing,
  toolCalls: ToolCall,
): Promise<Json> {
  const { params } = request;
  switch (request.method) {
    case 'server/discover':
      // MCP 2026-07-28 server/discover; the same for every caller, hence public caching.
      return {
        supportedVersions: [...SUPPORTED_PROTOCOL_VERSIONS],
        capabilities: MODERN_CAPABILITIES,
        ttlMs: DISCOVER_TTL_MS,
        cacheScope: 'public',
      };
    case 'tools/list': {
      // Pagination: one page; a cursor can only come from a server that is not us.
      if (params.cursor !== undefined) {
        throw new JsonRpcError(ErrorCodes.InvalidParams, 'Invalid params: unknown cursor');
      }
      const { tools } = await listing.listTools(caller, true);
      // Private: the list depends on the scopes the signed-in person could be granted.
      return { tools, ttlMs: TOOLS_LIST_TTL_MS, cacheScope: 'private' };
    }
    case 'tools/call': {
      const name = params.name;
      const args = params.arguments;
      if (typeof name !== 'string' || (args !== undefined && !isObject(args))) {
        throw new JsonRpcError(
          ErrorCodes.InvalidParams,
          'Invalid params: tools/call needs a string name and an object of arguments',
        );
      }
      return toolCalls.call(name, args, caller, context, {
        modern: true,
        clientCapabilities: request.clientCapabilities,
        inputResponses: params.inputResponses,
        requestState: params.requestState,
        progressToken: request.progressToken,
        logLevel: request.logLevel,
        notify,
      });
    }
    default:
      // Removed methods (initialize, ping, logging/setLevel), capabilities we do not declare
      // (resources, prompts, completions, subscriptions/listen with no list-changed capability).
      throw new JsonRpcError(ErrorCodes.MethodNotFound, 'Method not found');
  }
}
