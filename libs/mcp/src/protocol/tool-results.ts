import type { RegisteredTool } from '../tools/tool-catalog';
import { ToolResult, type ToolOutput } from '../tools/tool-types';
import { isObject, type Json } from './dispatch-types';

export function errorResult(message: string): Json {
  return { content: [{ type: 'text', text: message }], isError: true };
}

/**
 * A tool's return value as a CallToolResult. A string is one text block; a plain object is
 * structuredContent plus its JSON as text (MCP tools §Structured Content: the text fallback); a
 * ToolResult is sent as spelled out. Structured content is checked against the tool's `output`
 * schema (tools §Output Schema: the server MUST conform); the 2025 revisions only carry objects.
 */
export function toResult(
  output: ToolOutput,
  tool: Pick<RegisteredTool, 'name' | 'output'>,
  modern: boolean,
): Json {
  if (typeof output === 'string') return { content: [{ type: 'text', text: output }] };
  let result: { content: unknown[]; structuredContent?: unknown; isError?: boolean };
  if (output instanceof ToolResult) {
    result = { content: [...output.content] };
    if (output.structuredContent !== undefined) result.structuredContent = output.structuredContent;
    if (output.isError) result.isError = true;
  } else if (isObject(output)) {
    result = { content: [{ type: 'text', text: JSON.stringify(output) }], structuredContent: output };
  } else {
    throw new Error(
      `tool ${tool.name} must return a string, a plain object, a ToolResult or InputRequired, not ${Array.isArray(output) ? 'an array' : typeof output}`,
    );
  }
  if (result.structuredContent !== undefined && tool.output && !result.isError) {
    const checked = tool.output.safeParse(result.structuredContent);
    if (!checked.success) {
      throw new Error(`tool ${tool.name} returned structured content that does not match its output schema`);
    }
  }
  if (!modern && result.structuredContent !== undefined && !isObject(result.structuredContent)) {
    delete result.structuredContent;
  }
  return result;
}
