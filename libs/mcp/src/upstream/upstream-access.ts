import { Inject, Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { UPSTREAM_TOKEN_PORT, type UpstreamApi, type UpstreamTokenPort } from '../ports/upstream-tokens';
import { McpDeclarationError } from '../tools/decorators';
import { ToolError, type McpCaller } from '../tools/tool-types';
import { UpstreamRequirements } from './upstream-requirements';

/**
 * Builds `context.upstream` for one tools/call: bound to the caller's user id and limited to the
 * provider the tool declared, so a tool reaches only the person's own upstream account and only the
 * one it said it needs (UP-11). At boot, every declared provider must be served by the port.
 */
@Injectable()
export class UpstreamAccess implements OnModuleInit {
  constructor(
    private readonly requirements: UpstreamRequirements,
    @Optional() @Inject(UPSTREAM_TOKEN_PORT) private readonly port?: UpstreamTokenPort,
  ) {}

  onModuleInit(): void {
    for (const need of this.requirements.all()) {
      if (!this.port) {
        throw new McpDeclarationError(
          `tool "${need.tool}" (${need.owner}) uses the ${need.provider} API, but no module provides UPSTREAM_TOKEN_PORT (import IdentityModule)`,
        );
      }
      const why = this.port.unavailable(need.provider);
      if (why)
        throw new McpDeclarationError(
          `tool "${need.tool}" (${need.owner}) uses the ${need.provider} API: ${why}`,
        );
    }
  }

  /** The `upstream` function of the ToolContext of `tool` called by `caller`. */
  bind(tool: string, caller: McpCaller): (provider: string) => UpstreamApi {
    return (provider: string) => {
      const need = this.requirements.forTool(tool);
      if (!need || need.provider !== provider) {
        // A programming error of the tool, not the person's: the generic failure, detail in the log.
        throw new Error(
          `tool "${tool}" called context.upstream('${provider}') without @UsesUpstream('${provider}')`,
        );
      }
      if (caller.kind !== 'person') {
        throw new ToolError(
          `This tool acts on a person's own ${provider} account; this token belongs to no person`,
        );
      }
      if (!this.port) throw new Error('no UPSTREAM_TOKEN_PORT');
      return this.port.apiFor(caller.userId, provider);
    };
  }
}
