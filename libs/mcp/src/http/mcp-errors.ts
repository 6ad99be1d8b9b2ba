/**
 * An HTTP-level answer of the /mcp endpoint that is not a JSON-RPC result: auth challenges (RFC 6750
 * §3), a rejected Origin (TR-02), an unsupported protocol version (TR-09), a wrong method (TR-05).
 * The body is a JSON-RPC error without id (what TR-02 allows); the OAuth error code, when there is
 * one, lives in WWW-Authenticate where RFC 6750 puts it. McpRoute writes it.
 */
export class McpHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'McpHttpError';
    Object.freeze(this.headers);
  }

  body(): { jsonrpc: '2.0'; error: { code: number; message: string }; id: null } {
    return { jsonrpc: '2.0', error: { code: -32000, message: this.message }, id: null };
  }
}
