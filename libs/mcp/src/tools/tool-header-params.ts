import { McpDeclarationError } from './decorators';

/**
 * A tool parameter mirrored into an `Mcp-Param-{header}` request header (MCP 2026-07-28 tools
 * §x-mcp-header), reached from the schema root through `properties` only.
 */
export interface HeaderParam {
  readonly path: readonly string[];
  readonly header: string;
  readonly type: 'string' | 'integer' | 'boolean';
}

/** RFC 9110 §5.1 token (tchar). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * The `x-mcp-header` annotations of an input schema, checked as MCP 2026-07-28 tools §x-mcp-header
 * requires (a client drops a tool that breaks them, so a misdeclared one stops the boot): a token,
 * unique ignoring case, on a string, integer or boolean property reached through `properties` only.
 */
export function headerParams(schema: Record<string, unknown>, where: string): HeaderParam[] {
  const out: HeaderParam[] = [];
  const visit = (node: unknown, path: string[]) => {
    if (typeof node !== 'object' || node === null) return;
    const record = node as Record<string, unknown>;
    const header = record['x-mcp-header'];
    if (header !== undefined) {
      const type = record.type;
      if (typeof header !== 'string' || !TOKEN.test(header)) {
        throw new McpDeclarationError(
          `${where}: x-mcp-header ${JSON.stringify(header)} must be an HTTP token`,
        );
      }
      if (path.length === 0 || (type !== 'string' && type !== 'integer' && type !== 'boolean')) {
        throw new McpDeclarationError(
          `${where}: x-mcp-header "${header}" must be on a string, integer or boolean property`,
        );
      }
      if (out.some((p) => p.header.toLowerCase() === header.toLowerCase())) {
        throw new McpDeclarationError(`${where}: x-mcp-header "${header}" is used twice`);
      }
      out.push({ path: [...path], header, type });
    }
    const properties = record.properties;
    if (typeof properties === 'object' && properties !== null) {
      for (const [key, child] of Object.entries(properties)) visit(child, [...path, key]);
    }
  };
  visit(schema, []);
  return out;
}
