export { McpModule } from './mcp.module';
export { McpRoute, MCP_BODY_LIMIT_BYTES } from './http/mcp-route';
export {
  McpTool,
  RequireScopes,
  McpScopes,
  McpDeclarationError,
  type McpToolOptions,
  type McpToolAnnotations,
  type ScopeDeclaration,
} from './tools/decorators';
export { ToolError, type McpCaller, type ToolOutput } from './tools/tool-types';
export { SUPPORTED_PROTOCOL_VERSIONS } from './protocol/protocol-versions';
