import { z } from 'zod';
import type { McpToolAnnotations, ToolMetadata } from './decorators';

/**
 * The `_meta` key under which each tools/list entry names the scopes the tool needs (MCP basic §_meta:
 * a vendor prefix, not a reserved one), so a host can show them and expect the step-up challenge.
 */
export const REQUIRED_SCOPES_META_KEY = 'dev.mcp-auth-server/requiredScopes';

/** The tools/list entry of one tool, built once at boot (never per request). */
export interface ToolListEntry {
  readonly name: string;
  readonly title?: string;
  readonly description: string;
  readonly inputSchema: { type: 'object'; [key: string]: unknown };
  readonly outputSchema?: { [key: string]: unknown };
  readonly annotations?: McpToolAnnotations;
  readonly _meta: { readonly [REQUIRED_SCOPES_META_KEY]: readonly string[] };
}

/** One tool's tools/list entry in either era, built at boot from its declaration and scopes. */
export function toListEntry(tool: ToolMetadata, scopes: readonly string[], modern: boolean): ToolListEntry {
  // zod writes JSON Schema 2020-12 (its default target), `$schema` included.
  const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') => {
    const { $schema, ...rest } = z.toJSONSchema(schema, { io }) as Record<string, unknown>;
    return modern ? { $schema, ...rest } : rest;
  };
  const scopeList = scopes.join(', ');
  // The 2025 revisions only allow an object outputSchema (and object structuredContent).
  const output = tool.output ? jsonSchema(tool.output, 'output') : undefined;
  return {
    name: tool.name,
    ...(tool.title ? { title: tool.title } : {}),
    // The description is what every host shows the model: it names the scopes too (a host that
    // offers only listed tools can thus tell why a call asks the person for more access).
    description: `${tool.description}\n\nRequires the OAuth scope${scopes.length > 1 ? 's' : ''} ${scopeList}; without ${scopes.length > 1 ? 'them' : 'it'} the call asks for consent first.`,
    // A hand-written schema is listed as its author wrote it (its own `$schema`, if any, in both eras).
    inputSchema: tool.listedInputSchema
      ? { ...tool.listedInputSchema, type: 'object' }
      : { ...jsonSchema(tool.input, 'input'), type: 'object' },
    ...(output && (modern || output.type === 'object') ? { outputSchema: output } : {}),
    ...(tool.annotations ? { annotations: tool.annotations } : {}),
    _meta: { [REQUIRED_SCOPES_META_KEY]: Object.freeze([...scopes]) },
  };
}
