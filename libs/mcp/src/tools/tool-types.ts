/**
 * Who is calling a tool, as proven by the bearer token of this very request (RS-TOK-03/07). A tool
 * uses `userId` to scope every read and write to the caller's own data (STYLE §6).
 */
export interface McpCaller {
  /** The user's stable id (token `sub`). */
  readonly userId: string;
  /** The OAuth client (MCP client application) the user authorized. */
  readonly clientId: string;
  /** The grant the token hangs off; revoking it ends every token of this authorization. */
  readonly grantId: string;
  /** The token's scopes plus every scope they imply (RS-SC-06), sorted. */
  readonly scopes: readonly string[];
}

/**
 * What a tool method returns: a string becomes one text block; an object becomes `structuredContent`
 * plus its JSON in a text block (MCP 2025-06-18+ "structured content", with the text fallback for
 * older clients).
 */
export type ToolOutput = string | Record<string, unknown>;

/**
 * Throw this from a tool for an expected failure whose message is safe to show to the user (and to
 * the model), e.g. "No note with this id". Any other error becomes a generic message; its detail
 * stays in the server log.
 */
export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolError';
  }
}
