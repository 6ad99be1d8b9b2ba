import { Global, Module } from '@nestjs/common';
import { SCOPE_REGISTRY } from '@app/oauth';
import { ProvisionalScopeRegistry } from './provisional-scope-registry';

/**
 * MCP resource server. Global so that its SCOPE_REGISTRY reaches OAuthModule (which defines the
 * port) without OAuthModule importing libs/mcp.
 */
@Global()
@Module({
  providers: [{ provide: SCOPE_REGISTRY, useClass: ProvisionalScopeRegistry }],
  exports: [SCOPE_REGISTRY],
})
export class McpModule {}
