export { McpModule } from './mcp.module';
export { McpFastPath, MCP_BODY_LIMIT_BYTES } from './http/mcp-fast-path';
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
export { CALLER_PROFILE_READER, type CallerProfile, type CallerProfileReader } from './ports/caller-profile';
