import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { z } from 'zod';
import type { ScopeDefinition, ScopeRegistry } from '@app/oauth';
import {
  MCP_REQUIRED_SCOPES_METADATA,
  MCP_SCOPE_DECLARATIONS_METADATA,
  MCP_TOOL_METADATA,
  McpDeclarationError,
  type ScopeDeclaration,
  type ToolMetadata,
} from './decorators';
import { headerParams, type HeaderParam } from './tool-header-params';
import { toListEntry, type ToolListEntry } from './tool-list-entry';
import type { McpCaller, ToolContext, ToolOutput } from './tool-types';

export { headerParams, type HeaderParam } from './tool-header-params';
export { REQUIRED_SCOPES_META_KEY, type ToolListEntry } from './tool-list-entry';

export interface RegisteredTool {
  readonly name: string;
  /** Its `x-mcp-header` parameters (empty for most tools). */
  readonly headerParams: readonly HeaderParam[];
  /** `Class.method`, for messages and logs. */
  readonly owner: string;
  readonly input: z.ZodObject;
  /** The schema of its structuredContent, when it declares one. */
  readonly output: z.ZodType | undefined;
  /** Every scope the tool needs (the 403 challenge names all of them; RS-SC-05). */
  readonly requiredScopes: readonly string[];
  /** Only a person's token may call it (a machine client gets a tool error). */
  readonly requiresPerson: boolean;
  /** The 2025 revisions' entry: schemas without `$schema` (SDK 1.x validates with a draft-07 Ajv). */
  readonly listEntry: ToolListEntry;
  /** The 2026-07-28 entry: JSON Schema 2020-12 with its `$schema` (basic §JSON Schema Usage). */
  readonly modernListEntry: ToolListEntry;
  invoke(input: unknown, caller: McpCaller, context: ToolContext): Promise<ToolOutput>;
}

/** A class that may carry tool or scope metadata, and how to reach its singleton instance. */
export interface ToolSource {
  readonly metatype: abstract new (...args: never[]) => unknown;
  readonly instance: () => unknown;
  /** False for request- or transient-scoped providers, which cannot hold tools. */
  readonly singleton?: boolean;
}

interface Catalog {
  readonly tools: ReadonlyMap<string, RegisteredTool>;
  readonly scopes: readonly ScopeDefinition[];
  readonly scopesByName: ReadonlyMap<string, ScopeDefinition>;
  /** Each declared scope with everything it implies, transitively (itself included). */
  readonly closures: ReadonlyMap<string, ReadonlySet<string>>;
  readonly defaults: readonly string[];
}

/**
 * Reads @McpScopes, @McpTool and @RequireScopes from the given classes and checks them together.
 * Throws McpDeclarationError (which stops the boot) on any misuse.
 */
export function buildCatalog(
  sources: readonly ToolSource[],
  reflector: Reflector,
  scanner: MetadataScanner,
): Catalog {
  const declaredBy = new Map<string, string>();
  const declarations = new Map<string, ScopeDeclaration>();
  for (const { metatype } of sources) {
    const declared = reflector.get<Record<string, ScopeDeclaration> | undefined>(
      MCP_SCOPE_DECLARATIONS_METADATA,
      metatype,
    );
    if (!declared) continue;
    for (const [name, declaration] of Object.entries(declared)) {
      const previous = declaredBy.get(name);
      if (previous) {
        throw new McpDeclarationError(
          `scope "${name}" is declared twice (by ${previous} and ${metatype.name}); declare each scope once, in the module that owns it (or is the provider registered in two modules?)`,
        );
      }
      declaredBy.set(name, metatype.name);
      declarations.set(name, declaration);
    }
  }
  for (const [name, d] of declarations) {
    for (const implied of d.implies ?? []) {
      if (!declarations.has(implied)) {
        throw new McpDeclarationError(
          `scope "${name}" (declared by ${declaredBy.get(name)}) implies "${implied}", which no @McpScopes declares`,
        );
      }
    }
  }
  const scopes: ScopeDefinition[] = [...declarations].map(([name, d]) =>
    Object.freeze({
      name,
      description: d.description,
      implies: Object.freeze([...(d.implies ?? [])]),
      isDefault: d.default === true,
    }),
  );
  const closures = new Map<string, ReadonlySet<string>>();
  for (const { name } of scopes) {
    const out = new Set<string>();
    const visit = (s: string) => {
      if (out.has(s)) return;
      out.add(s);
      for (const implied of declarations.get(s)?.implies ?? []) visit(implied);
    };
    visit(name);
    closures.set(name, out);
  }

  const tools = new Map<string, RegisteredTool>();
  for (const source of sources) {
    const { metatype } = source;
    const prototype = (metatype as { prototype?: object }).prototype;
    if (!prototype) continue;
    for (const methodName of scanner.getAllMethodNames(prototype)) {
      const method = (prototype as Record<string, unknown>)[methodName];
      if (typeof method !== 'function') continue;
      const owner = `${metatype.name}.${methodName}`;
      const tool = reflector.get<ToolMetadata | undefined>(MCP_TOOL_METADATA, method);
      const required = reflector.get<string[] | undefined>(MCP_REQUIRED_SCOPES_METADATA, method);
      if (!tool && !required) continue;
      if (source.singleton === false) {
        throw new McpDeclarationError(
          `tool provider ${metatype.name} must be a singleton (the default scope)`,
        );
      }
      if (!tool) {
        throw new McpDeclarationError(`@RequireScopes on ${owner} without @McpTool: only tools take scopes`);
      }
      if (!required) {
        throw new McpDeclarationError(
          `tool "${tool.name}" (${owner}) has no @RequireScopes; every tool declares the scopes it needs`,
        );
      }
      const existing = tools.get(tool.name);
      if (existing) {
        throw new McpDeclarationError(
          `tool name "${tool.name}" is used twice (${existing.owner} and ${owner}); tool names must be unique`,
        );
      }
      for (const scope of required) {
        if (!declarations.has(scope)) {
          throw new McpDeclarationError(
            `tool "${tool.name}" (${owner}) requires scope "${scope}", which no @McpScopes declares`,
          );
        }
      }
      const modernListEntry = Object.freeze(toListEntry(tool, required, true));
      tools.set(tool.name, {
        name: tool.name,
        headerParams: Object.freeze(
          headerParams(modernListEntry.inputSchema, `tool "${tool.name}" (${owner})`),
        ),
        owner,
        input: tool.input,
        output: tool.output,
        requiredScopes: Object.freeze([...required]),
        requiresPerson: tool.requiresPerson,
        listEntry: Object.freeze(toListEntry(tool, required, false)),
        modernListEntry,
        invoke: async (input, caller, context) => {
          const instance = source.instance() as
            Record<string, (i: unknown, c: McpCaller, x: ToolContext) => unknown> | undefined;
          if (!instance || typeof instance[methodName] !== 'function') {
            throw new Error(`the provider of tool "${tool.name}" (${owner}) is not instantiated`);
          }
          return (await instance[methodName](input, caller, context)) as ToolOutput;
        },
      });
    }
  }
  // MCP 2026-07-28 tools §Capabilities: a deterministic order (by name) for client and prompt caches.
  const byName = [...tools].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    tools: new Map(byName),
    scopes,
    scopesByName: new Map(scopes.map((s) => [s.name, s])),
    closures,
    defaults: scopes.filter((s) => s.isDefault).map((s) => s.name),
  };
}

/**
 * The tools and scopes of the running server, collected once from every provider of every imported
 * module (Nest DiscoveryService; docs/architecture.md C8). It is the ScopeRegistry that OAuthModule narrows requests
 * to, the consent page describes and discovery advertises.
 *
 * Collection reads only class metadata, so it is safe whenever another module asks first (even from a
 * constructor, before the tool providers exist); onModuleInit forces it so a misdeclared tool stops the
 * boot.
 */
@Injectable()
export class ToolCatalog implements ScopeRegistry, OnModuleInit {
  private readonly logger = new Logger('McpTools');
  private catalog: Catalog | undefined;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
    private readonly scanner: MetadataScanner,
  ) {}

  onModuleInit(): void {
    const { tools, scopes } = this.load();
    this.logger.log(`${tools.size} tools, ${scopes.length} scopes: ${[...tools.keys()].join(', ')}`);
  }

  tools(): IterableIterator<RegisteredTool> {
    return this.load().tools.values();
  }

  tool(name: string): RegisteredTool | undefined {
    return this.load().tools.get(name);
  }

  all(): readonly ScopeDefinition[] {
    return this.load().scopes;
  }

  get(name: string): ScopeDefinition | undefined {
    return this.load().scopesByName.get(name);
  }

  defaults(): readonly string[] {
    return this.load().defaults;
  }

  /** RS-SC-06: a scope counts together with everything it implies. Unknown names stay as they are. */
  expand(scopes: Iterable<string>): ReadonlySet<string> {
    const { closures } = this.load();
    const out = new Set<string>();
    for (const scope of scopes) {
      const closure = closures.get(scope);
      if (closure) for (const s of closure) out.add(s);
      else out.add(scope);
    }
    return out;
  }

  private load(): Catalog {
    if (!this.catalog) {
      const sources: ToolSource[] = [];
      for (const wrapper of this.discovery.getProviders()) {
        const metatype = wrapper.metatype;
        // Value and factory providers carry no decorators; only classes can declare tools.
        if (typeof metatype !== 'function' || wrapper.inject) continue;
        sources.push({
          metatype: metatype as ToolSource['metatype'],
          instance: () => wrapper.instance as unknown,
          singleton: wrapper.isDependencyTreeStatic(),
        });
      }
      this.catalog = buildCatalog(sources, this.reflector, this.scanner);
    }
    return this.catalog;
  }
}
