import { Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { MCP_TOOL_METADATA, McpDeclarationError, type ToolMetadata } from '../tools/decorators';
import { MCP_UPSTREAM_METADATA, type UpstreamDeclaration } from '../tools/upstream.decorator';

/** One tool that acts on the person's upstream account. */
export interface UpstreamNeed extends UpstreamDeclaration {
  readonly tool: string;
  /** `Class.method`, for boot messages. */
  readonly owner: string;
}

/**
 * Which tools call which provider with which upstream scopes, read once from the @UsesUpstream
 * declarations of every provider of the app (docs/architecture.md C8). Identity reads it to ask for
 * the scopes at sign-in and to keep the tokens only for providers a tool needs.
 */
@Injectable()
export class UpstreamRequirements {
  private needs: ReadonlyMap<string, UpstreamNeed> | undefined;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
    private readonly scanner: MetadataScanner,
  ) {}

  /** Every tool that declares an upstream provider, by tool name. */
  all(): readonly UpstreamNeed[] {
    return [...this.load().values()];
  }

  forTool(tool: string): UpstreamNeed | undefined {
    return this.load().get(tool);
  }

  /** The providers some tool needs, sorted. */
  providers(): readonly string[] {
    return [...new Set(this.all().map((n) => n.provider))].sort();
  }

  /** The union of the upstream scopes tools need from `provider` (empty when none needs it). */
  scopesFor(provider: string): readonly string[] {
    const out = new Set<string>();
    for (const need of this.all()) if (need.provider === provider) for (const s of need.scopes) out.add(s);
    return [...out].sort();
  }

  /** The tools that need `provider`, sorted (the sign-in page names them). */
  toolsFor(provider: string): readonly string[] {
    return this.all()
      .filter((n) => n.provider === provider)
      .map((n) => n.tool)
      .sort();
  }

  private load(): ReadonlyMap<string, UpstreamNeed> {
    if (this.needs) return this.needs;
    const needs = new Map<string, UpstreamNeed>();
    for (const wrapper of this.discovery.getProviders()) {
      const metatype = wrapper.metatype;
      if (typeof metatype !== 'function' || wrapper.inject) continue;
      const prototype = (metatype as { prototype?: object }).prototype;
      if (!prototype) continue;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = (prototype as Record<string, unknown>)[methodName];
        if (typeof method !== 'function') continue;
        const upstream = this.reflector.get<UpstreamDeclaration | undefined>(MCP_UPSTREAM_METADATA, method);
        if (!upstream) continue;
        const owner = `${metatype.name}.${methodName}`;
        const tool = this.reflector.get<ToolMetadata | undefined>(MCP_TOOL_METADATA, method);
        if (!tool) {
          throw new McpDeclarationError(
            `@UsesUpstream on ${owner} without @McpTool: only tools call upstream APIs`,
          );
        }
        if (!tool.requiresPerson) {
          // A machine client has no upstream account of its own (UP-11): such a tool serves people only.
          throw new McpDeclarationError(
            `tool "${tool.name}" (${owner}) uses the ${upstream.provider} API of the caller: declare it with requiresPerson: true`,
          );
        }
        needs.set(tool.name, { tool: tool.name, owner, ...upstream });
      }
    }
    this.needs = needs;
    return needs;
  }
}
