import { createHash } from 'node:crypto';
import type { ToolDeclaration } from '@app/oauth';
import type { McpToolAnnotations } from './decorators';

/**
 * JSON with object keys sorted at every level (arrays keep their order): the same value always gives
 * the same text, whatever order a schema generator or an author wrote the keys in.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64url');

/** What a person approves when approving a scope that covers the tool (EXT-RC-02). */
export interface DeclaredTool {
  readonly name: string;
  readonly title?: string;
  readonly description: string;
  readonly inputSchema: Readonly<Record<string, unknown>>;
  readonly annotations?: McpToolAnnotations;
  readonly requiredScopes: readonly string[];
}

/**
 * EXT-RC-02: the tool's declaration as consent records it, with its digest over name, description,
 * input schema, annotations and required scopes (sorted). The title is shown, not digested: renaming
 * a label changes nothing the tool can do. Computed once at boot.
 */
export function toolDeclaration(tool: DeclaredTool): ToolDeclaration {
  const requiredScopes = [...new Set(tool.requiredScopes)].sort();
  const digest = sha256(
    canonicalJson({
      name: tool.name,
      description: tool.description,
      inputSchema: tool.inputSchema,
      annotations: tool.annotations ?? {},
      requiredScopes,
    }),
  );
  return Object.freeze({
    name: tool.name,
    ...(tool.title ? { title: tool.title } : {}),
    description: tool.description,
    digest,
    requiredScopes: Object.freeze(requiredScopes),
    readOnly: tool.annotations?.readOnlyHint === true,
  });
}

/** The tools under each scope (those that need it) and the digest of that set (EXT-RC-03 fast path). */
export interface ScopeToolIndex {
  readonly toolsUnder: ReadonlyMap<string, readonly ToolDeclaration[]>;
  readonly digests: ReadonlyMap<string, string>;
}

/** Built once at boot from every tool declaration and every declared scope. */
export function indexToolsByScope(
  declarations: Iterable<ToolDeclaration>,
  scopes: Iterable<string>,
): ScopeToolIndex {
  const toolsUnder = new Map<string, ToolDeclaration[]>();
  for (const scope of scopes) toolsUnder.set(scope, []);
  for (const tool of declarations) {
    for (const scope of tool.requiredScopes) toolsUnder.get(scope)?.push(tool);
  }
  const digests = new Map<string, string>();
  for (const [scope, tools] of toolsUnder) {
    tools.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    Object.freeze(tools);
    digests.set(scope, scopeToolsDigest(tools));
  }
  return { toolsUnder, digests };
}

/** One line per tool, `name digest`, by name; an empty scope has the digest of the empty text. */
export function scopeToolsDigest(tools: readonly ToolDeclaration[]): string {
  return sha256(tools.map((t) => `${t.name} ${t.digest}\n`).join(''));
}
