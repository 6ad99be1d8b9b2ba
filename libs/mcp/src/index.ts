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
export {
  ToolError,
  ToolResult,
  InputRequired,
  text,
  image,
  audio,
  embeddedResource,
  resourceLink,
  elicit,
  LOGGING_LEVELS,
  type McpCaller,
  type PersonCaller,
  type ClientCaller,
  type ToolContext,
  type ToolContent,
  type ToolOutput,
  type InputRequest,
  type LoggingLevel,
  type ContentAnnotations,
} from './tools/tool-types';
export { REQUIRED_SCOPES_META_KEY } from './tools/tool-catalog';
export {
  SUPPORTED_PROTOCOL_VERSIONS,
  MODERN_PROTOCOL_VERSIONS,
  LEGACY_PROTOCOL_VERSIONS,
} from './protocol/protocol-versions';
export { CALLER_PROFILE_READER, type CallerProfile, type CallerProfileReader } from './ports/caller-profile';
export { UsesUpstream, type UpstreamDeclaration } from './tools/upstream.decorator';
export { UPSTREAM_TOKEN_PORT, type UpstreamApi, type UpstreamTokenPort } from './ports/upstream-tokens';
export { UpstreamRequirements, type UpstreamNeed } from './upstream/upstream-requirements';
export { MCP_CONFIG } from './config/mcp.config';
// For tool authors' unit tests (docs/tools.md, "Test a tool").
export {
  newTestTool,
  type TestTool,
  type TestToolAnswer,
  type TestToolOptions,
} from './testing/new-test-tool';
