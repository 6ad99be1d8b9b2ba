import { Global, Module } from '@nestjs/common';
import { DiscoveryModule as NestDiscoveryModule } from '@nestjs/core';
import { SCOPE_REGISTRY } from '@app/oauth';
import { McpAuthService } from './auth/mcp-auth.service';
import { McpEndpoint } from './http/mcp-endpoint.service';
import { McpOriginPolicy } from './http/mcp-origin-policy';
import { McpRoute } from './http/mcp-route';
import { McpDispatcher } from './protocol/mcp-dispatcher';
import { ToolCatalog } from './tools/tool-catalog';
import { UpstreamAccess } from './upstream/upstream-access';
import { UpstreamRequirements } from './upstream/upstream-requirements';

/**
 * MCP resource server: the /mcp route (McpRoute, which the app's edge serves), bearer auth and the
 * tool catalog collected from every imported module. Global so that its SCOPE_REGISTRY reaches
 * OAuthModule and DiscoveryModule (which only know the port) without them importing libs/mcp.
 */
@Global()
@Module({
  imports: [NestDiscoveryModule],
  providers: [
    ToolCatalog,
    { provide: SCOPE_REGISTRY, useExisting: ToolCatalog },
    McpAuthService,
    McpDispatcher,
    McpEndpoint,
    McpOriginPolicy,
    McpRoute,
    UpstreamRequirements,
    UpstreamAccess,
  ],
  exports: [SCOPE_REGISTRY, McpRoute, UpstreamRequirements],
})
export class McpModule {}
