import { SetMetadata } from '@nestjs/common';
import { z } from 'zod';
import type { McpCaller, ToolContext, ToolOutput } from './tool-types';

export const MCP_TOOL_METADATA = 'mcp:tool';
export const MCP_REQUIRED_SCOPES_METADATA = 'mcp:required-scopes';
export const MCP_SCOPE_DECLARATIONS_METADATA = 'mcp:scope-declarations';

/** MCP 2025-11-25 tool names: 1–128 characters of A–Z a–z 0–9 _ - . (case-sensitive). */
export const TOOL_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;
/**
 * RFC 6749 §3.3 scope-token (NQCHAR: no space, `"` or `\`), capped at 64 characters, so a scope can
 * always be written inside a quoted WWW-Authenticate parameter (RFC 6750 §3).
 */
export const SCOPE_NAME_PATTERN = /^[\x21\x23-\x5B\x5D-\x7E]{1,64}$/;

/** MCP tool annotations (hints for clients; never trusted for security decisions). */
export interface McpToolAnnotations {
  readonly readOnlyHint?: boolean;
  readonly destructiveHint?: boolean;
  readonly idempotentHint?: boolean;
  readonly openWorldHint?: boolean;
}

export interface McpToolOptions<S extends z.ZodObject> {
  /** Unique across the server; what clients call. */
  readonly name: string;
  /** Human-readable name for client UIs. */
  readonly title?: string;
  /** What the tool does and when to use it: the model reads this. Required. */
  readonly description: string;
  /** Zod object schema of the arguments; the tool receives the parsed value. */
  readonly input: S;
  /**
   * Zod schema of the tool's `structuredContent` (listed as `outputSchema`). A tool that declares it
   * must return data matching it (MCP tools §Output Schema); the server checks before sending.
   */
  readonly output?: z.ZodType;
  /**
   * A hand-written JSON Schema to list instead of the one derived from `input`, for keywords zod
   * cannot express (`$defs` with `$anchor`, `if`/`then`/`else` ...). `input` still validates the call.
   */
  readonly listedInputSchema?: Readonly<Record<string, unknown>> & { readonly type: 'object' };
  readonly annotations?: McpToolAnnotations;
  /**
   * The tool acts on a person's own data: a machine client's token (client_credentials, no person)
   * gets a tool error instead of a call, and tools/list does not show it to such a client.
   */
  readonly requiresPerson?: boolean;
}

/** What @McpTool stores on the method (validated). */
export interface ToolMetadata {
  readonly name: string;
  readonly title?: string;
  readonly description: string;
  readonly input: z.ZodObject;
  readonly output?: z.ZodType;
  readonly listedInputSchema?: Readonly<Record<string, unknown>>;
  readonly annotations?: McpToolAnnotations;
  readonly requiresPerson: boolean;
}

export interface ScopeDeclaration {
  /** Plain words for the consent page ("Read your notes"). */
  readonly description: string;
  /** Narrower scopes this one implies (`notes:write` implies `notes:read`; RS-SC-06). */
  readonly implies?: readonly string[];
  /** Part of the minimal default set advertised in PRM and the 401 challenge (RS-PRM-10). */
  readonly default?: boolean;
}

/** Thrown when a tool or scope declaration is wrong; it stops the boot with this message (docs/architecture.md C7). */
export class McpDeclarationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'McpDeclarationError';
  }
}

/**
 * A tool method. Written as a method signature so that a tool declared `requiresPerson` may type its
 * caller parameter as PersonCaller (method parameters are compared bivariantly).
 */
type ToolMethod<I> = {
  tool(input: I, caller: McpCaller, context: ToolContext): ToolOutput | Promise<ToolOutput>;
}['tool'];

const where = (target: object, key: string | symbol) =>
  `${(target as { constructor?: { name?: string } }).constructor?.name ?? 'anonymous'}.${String(key)}`;

const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.trim().length > 0;

/**
 * Marks a method of an ordinary Nest provider as an MCP tool. The method receives the validated
 * input, the caller and the request's ToolContext (progress, logging, MRTR answers). Misuse (bad name, no description, input that is not a zod object) throws
 * when the class is declared, so the server never boots with a broken tool.
 *
 * @example
 *   @McpTool({ name: 'notes_get', description: 'Read one of your notes by id', input: z.object({ id: z.uuid() }) })
 *   @RequireScopes('notes:read')
 *   get(input: { id: string }, caller: McpCaller) { ... }
 */
export function McpTool<S extends z.ZodObject>(options: McpToolOptions<S>) {
  return <T extends ToolMethod<z.output<S>>>(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<T>,
  ): void => {
    const at = `@McpTool on ${where(target, key)}`;
    if (!options || typeof options !== 'object') throw new McpDeclarationError(`${at}: options are required`);
    if (typeof options.name !== 'string' || !TOOL_NAME_PATTERN.test(options.name)) {
      throw new McpDeclarationError(
        `${at}: name ${JSON.stringify(options.name)} is invalid; use 1-128 characters of A-Z a-z 0-9 _ - . (e.g. "notes_create")`,
      );
    }
    if (!isNonEmptyString(options.description)) {
      throw new McpDeclarationError(
        `${at}: description is required (the model reads it to decide when to call "${options.name}")`,
      );
    }
    if (options.title !== undefined && !isNonEmptyString(options.title)) {
      throw new McpDeclarationError(`${at}: title, when given, must be a non-empty string`);
    }
    if (!(options.input instanceof z.ZodObject)) {
      throw new McpDeclarationError(
        `${at}: input must be a zod object schema, e.g. z.object({ id: z.uuid() }) (use z.object({}) for no arguments)`,
      );
    }
    if (options.output !== undefined && !(options.output instanceof z.ZodType)) {
      throw new McpDeclarationError(
        `${at}: output, when given, must be a zod schema, e.g. z.object({ id: z.uuid() })`,
      );
    }
    const listed = options.listedInputSchema;
    if (listed !== undefined && (typeof listed !== 'object' || listed === null || listed.type !== 'object')) {
      throw new McpDeclarationError(
        `${at}: listedInputSchema, when given, must be a JSON Schema with type "object"`,
      );
    }
    if (options.requiresPerson !== undefined && typeof options.requiresPerson !== 'boolean') {
      throw new McpDeclarationError(`${at}: requiresPerson, when given, must be true or false`);
    }
    if (typeof descriptor?.value !== 'function') {
      throw new McpDeclarationError(`${at}: @McpTool goes on a method`);
    }
    const metadata: ToolMetadata = {
      name: options.name,
      title: options.title,
      description: options.description.trim(),
      input: options.input,
      output: options.output,
      listedInputSchema: listed ? structuredClone(listed) : undefined,
      annotations: options.annotations ? { ...options.annotations } : undefined,
      requiresPerson: options.requiresPerson ?? false,
    };
    SetMetadata(MCP_TOOL_METADATA, metadata)(target, key, descriptor);
  };
}

/**
 * The scopes a tool needs (all of them). tools/list shows them with the tool; a token whose scopes
 * (with their implications) do not cover them gets a 403 step-up challenge on tools/call (RS-SC-04).
 */
export function RequireScopes(...scopes: string[]) {
  return (target: object, key: string | symbol, descriptor: PropertyDescriptor): void => {
    const at = `@RequireScopes on ${where(target, key)}`;
    if (scopes.length === 0) {
      throw new McpDeclarationError(
        `${at}: name at least one scope (every tool declares what it needs, e.g. @RequireScopes('notes:read'))`,
      );
    }
    for (const scope of scopes) {
      if (typeof scope !== 'string' || !SCOPE_NAME_PATTERN.test(scope)) {
        throw new McpDeclarationError(
          `${at}: scope ${JSON.stringify(scope)} is invalid; use 1-64 visible ASCII characters without spaces, quotes or backslashes`,
        );
      }
    }
    if (typeof descriptor?.value !== 'function') {
      throw new McpDeclarationError(`${at}: @RequireScopes goes on a method`);
    }
    SetMetadata(MCP_REQUIRED_SCOPES_METADATA, [...new Set(scopes)])(target, key, descriptor);
  };
}

/**
 * Declares scopes once, on the provider class of a tool module: each with the words the consent page
 * shows, the narrower scopes it implies and whether it belongs to the minimal default set. Every scope
 * a tool requires must be declared by exactly one provider.
 */
export function McpScopes(declarations: Readonly<Record<string, ScopeDeclaration>>) {
  return (target: object): void => {
    const at = `@McpScopes on ${(target as { name?: string }).name ?? 'anonymous'}`;
    const names = declarations && typeof declarations === 'object' ? Object.keys(declarations) : [];
    if (names.length === 0) throw new McpDeclarationError(`${at}: declare at least one scope`);
    const copy: Record<string, ScopeDeclaration> = {};
    for (const name of names) {
      const d = declarations[name];
      if (!SCOPE_NAME_PATTERN.test(name)) {
        throw new McpDeclarationError(
          `${at}: scope ${JSON.stringify(name)} is invalid; use 1-64 visible ASCII characters without spaces, quotes or backslashes`,
        );
      }
      if (!d || !isNonEmptyString(d.description)) {
        throw new McpDeclarationError(
          `${at}: scope "${name}" needs a description (the consent page shows it to the user)`,
        );
      }
      const implies = d.implies ?? [];
      if (
        !Array.isArray(implies) ||
        implies.some((s) => typeof s !== 'string' || !SCOPE_NAME_PATTERN.test(s))
      ) {
        throw new McpDeclarationError(`${at}: scope "${name}" implies must be a list of scope names`);
      }
      if (implies.includes(name)) throw new McpDeclarationError(`${at}: scope "${name}" cannot imply itself`);
      if (d.default !== undefined && typeof d.default !== 'boolean') {
        throw new McpDeclarationError(`${at}: scope "${name}" default must be true or false`);
      }
      copy[name] = {
        description: d.description.trim(),
        implies: [...new Set(implies)],
        default: d.default ?? false,
      };
    }
    SetMetadata(MCP_SCOPE_DECLARATIONS_METADATA, copy)(target as () => void);
  };
}
