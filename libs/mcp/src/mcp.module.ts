import { Global, Module, RequestMethod, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { DiscoveryModule as NestDiscoveryModule } from '@nestjs/core';
import { SCOPE_REGISTRY } from '@app/oauth';
import { McpAuthService } from './auth/mcp-auth.service';
import { McpBearerGuard } from './auth/mcp-bearer.guard';
import { McpBodyErrorHandler } from './http/mcp-body-error.handler';
import { McpController } from './http/mcp.controller';
import { McpEndpoint } from './http/mcp-endpoint.service';
import { McpFastPath } from './http/mcp-fast-path';
import { McpOriginMiddleware, McpOriginPolicy } from './http/mcp-origin.middleware';
import { McpDispatcher } from './protocol/mcp-dispatcher';
import { ToolCatalog } from './tools/tool-catalog';

/**
 * MCP resource server: /mcp, the bearer guard and the tool catalog collected from every imported
 * module. Global so that its SCOPE_REGISTRY reaches OAuthModule and DiscoveryModule (which only know the
 * port) without them importing libs/mcp.
 */
@Global()
@Module({
  imports: [NestDiscoveryModule],
  controllers: [McpController],
  providers: [
    ToolCatalog,
    { provide: SCOPE_REGISTRY, useExisting: ToolCatalog },
    McpAuthService,
    McpBearerGuard,
    McpDispatcher,
    McpEndpoint,
    McpBodyErrorHandler,
    McpOriginPolicy,
    McpFastPath,
  ],
  exports: [SCOPE_REGISTRY, McpFastPath],
})
export class McpModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(McpOriginMiddleware).forRoutes({ path: 'mcp', method: RequestMethod.ALL });
  }
}
