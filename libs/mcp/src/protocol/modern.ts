import type { IncomingHttpHeaders } from 'node:http';
import type { RpcId } from '../http/mcp-errors';
import type { HeaderParam } from '../tools/tool-catalog';
import { isModernProtocolVersion, SUPPORTED_PROTOCOL_VERSIONS } from './protocol-versions';

/** Reserved `_meta` keys of MCP 2026-07-28 (basic §_meta). */
export const META = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  logLevel: 'io.modelcontextprotocol/logLevel',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
} as const;

/** JSON-RPC and MCP error codes (JSON-RPC 2.0 §5.1; MCP 2026-07-28 basic §Error Codes). */
export const ErrorCodes = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  HeaderMismatch: -32020,
  MissingRequiredClientCapability: -32021,
  UnsupportedProtocolVersion: -32022,
} as const;

/**
 * A JSON-RPC error with exactly the given message and data (the SDK's McpError prefixes "MCP error
 * <code>:"). `status` is the HTTP status the modern transport gives it (Streamable HTTP §Request
 * Metadata, basic §_meta): 400 for malformed requests and the modern errors, 404 for an unknown method.
 */
export class JsonRpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }

  get status(): number {
    if (this.code === ErrorCodes.MethodNotFound) return 404;
    if (this.code === ErrorCodes.InternalError) return 200;
    return 400;
  }
}

export const unsupportedVersion = (requested: unknown): JsonRpcError =>
  new JsonRpcError(ErrorCodes.UnsupportedProtocolVersion, 'Unsupported protocol version', {
    supported: [...SUPPORTED_PROTOCOL_VERSIONS],
    requested: typeof requested === 'string' ? requested : String(requested),
  });

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const header = (headers: IncomingHttpHeaders, name: string): string | string[] | undefined => headers[name];

/**
 * Whether a POST /mcp is a modern-era request (MCP 2026-07-28 versioning §dual-era server: "a request
 * carrying modern per-request `_meta` is served statelessly according to this revision"): its body
 * claims a protocol version in `_meta`, or its MCP-Protocol-Version header names a modern revision.
 * An `initialize` without that `_meta` claim is legacy whatever its header says (the 2025 lifecycle
 * negotiates in the body).
 */
export function isModernRequest(body: unknown, headers: IncomingHttpHeaders): boolean {
  if (Array.isArray(body)) return isModernProtocolVersion(header(headers, 'mcp-protocol-version'));
  if (!isObject(body)) return isModernProtocolVersion(header(headers, 'mcp-protocol-version'));
  const params = body.params;
  if (isObject(params) && isObject(params._meta) && META.protocolVersion in params._meta) return true;
  if (body.method === 'initialize') return false;
  return isModernProtocolVersion(header(headers, 'mcp-protocol-version'));
}

/** The id of a JSON-RPC message when it can be read (a string or an integer), else null. */
export function readId(message: unknown): RpcId | null {
  if (!isObject(message)) return null;
  const { id } = message;
  return typeof id === 'string' || Number.isSafeInteger(id) ? (id as RpcId) : null;
}

/** A validated modern request: one JSON-RPC request with its per-request metadata. */
export interface ModernRequest {
  readonly id: RpcId;
  readonly method: string;
  readonly params: Record<string, unknown>;
  readonly protocolVersion: string;
  readonly clientCapabilities: Record<string, unknown>;
  readonly logLevel: string | undefined;
  readonly progressToken: string | number | undefined;
}

const LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

/** Methods whose Mcp-Name header mirrors a body field (Streamable HTTP §Standard Request Headers). */
const NAME_SOURCE: Readonly<Record<string, string>> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
};

/**
 * The checks of one modern request before dispatch, in this order: the per-request `_meta` (basic
 * §_meta: -32602, 400), the MCP-Protocol-Version header against it (-32020), the version itself
 * (-32022, versioning §Protocol Version Negotiation), then Mcp-Method and Mcp-Name (Streamable HTTP
 * §Server Validation: -32020, 400). Throws JsonRpcError.
 */
export function validateModernRequest(
  message: Record<string, unknown> & { id: RpcId; method: string },
  headers: IncomingHttpHeaders,
  headerParamsOf: (tool: string) => readonly HeaderParam[] | undefined = () => undefined,
): ModernRequest {
  const { id, method } = message;
  if (message.params !== undefined && !isObject(message.params)) {
    throw new JsonRpcError(ErrorCodes.InvalidParams, 'Invalid params: params must be an object');
  }
  const params = message.params ?? {};
  const meta = params._meta;
  if (!isObject(meta)) {
    throw new JsonRpcError(
      ErrorCodes.InvalidParams,
      `Invalid params: _meta with ${META.protocolVersion} and ${META.clientCapabilities} is required`,
    );
  }
  const version = meta[META.protocolVersion];
  if (typeof version !== 'string') {
    throw new JsonRpcError(
      ErrorCodes.InvalidParams,
      `Invalid params: _meta.${META.protocolVersion} is required`,
    );
  }
  const capabilities = meta[META.clientCapabilities];
  if (!isObject(capabilities)) {
    throw new JsonRpcError(
      ErrorCodes.InvalidParams,
      `Invalid params: _meta.${META.clientCapabilities} is required (an object)`,
    );
  }
  const logLevel = meta[META.logLevel];
  if (logLevel !== undefined && (typeof logLevel !== 'string' || !LEVELS.includes(logLevel))) {
    throw new JsonRpcError(
      ErrorCodes.InvalidParams,
      `Invalid params: _meta.${META.logLevel} must be one of ${LEVELS.join(', ')}`,
    );
  }
  const progressToken = meta.progressToken;
  if (
    progressToken !== undefined &&
    typeof progressToken !== 'string' &&
    !Number.isSafeInteger(progressToken)
  ) {
    throw new JsonRpcError(
      ErrorCodes.InvalidParams,
      'Invalid params: progressToken must be a string or an integer',
    );
  }
  const headerVersion = header(headers, 'mcp-protocol-version');
  if (headerVersion === undefined) {
    throw new JsonRpcError(
      ErrorCodes.HeaderMismatch,
      'Header mismatch: the MCP-Protocol-Version header is required',
    );
  }
  if (headerVersion !== version) {
    throw new JsonRpcError(
      ErrorCodes.HeaderMismatch,
      'Header mismatch: the MCP-Protocol-Version header does not match _meta protocolVersion',
    );
  }
  if (!isModernProtocolVersion(version)) throw unsupportedVersion(version);
  const methodHeader = header(headers, 'mcp-method');
  if (methodHeader === undefined) {
    throw new JsonRpcError(ErrorCodes.HeaderMismatch, 'Header mismatch: the Mcp-Method header is required');
  }
  if (methodHeader !== method) {
    throw new JsonRpcError(
      ErrorCodes.HeaderMismatch,
      'Header mismatch: the Mcp-Method header does not match method',
    );
  }
  const nameField = NAME_SOURCE[method];
  const nameValue = nameField === undefined ? undefined : params[nameField];
  if (typeof nameValue === 'string') {
    const nameHeader = header(headers, 'mcp-name');
    if (nameHeader === undefined) {
      throw new JsonRpcError(ErrorCodes.HeaderMismatch, 'Header mismatch: the Mcp-Name header is required');
    }
    if (typeof nameHeader !== 'string' || decodeHeaderValue(nameHeader) !== nameValue) {
      throw new JsonRpcError(
        ErrorCodes.HeaderMismatch,
        `Header mismatch: the Mcp-Name header does not match params.${nameField}`,
      );
    }
  }
  if (method === 'tools/call' && typeof nameValue === 'string' && isObject(params.arguments)) {
    checkParamHeaders(headerParamsOf(nameValue) ?? [], params.arguments, headers);
  }
  return {
    id,
    method,
    params,
    protocolVersion: version,
    clientCapabilities: capabilities,
    logLevel: logLevel,
    progressToken: progressToken as string | number | undefined,
  };
}

/**
 * Streamable HTTP §Custom Headers from Tool Parameters: every `x-mcp-header` parameter present (and not
 * null) in the arguments must come in its `Mcp-Param-{Name}` header with the same value (decoded;
 * integers compared as numbers); otherwise HeaderMismatch.
 */
function checkParamHeaders(
  params: readonly HeaderParam[],
  args: Record<string, unknown>,
  headers: IncomingHttpHeaders,
): void {
  for (const param of params) {
    let value: unknown = args;
    for (const key of param.path) value = isObject(value) ? value[key] : undefined;
    if (value === undefined || value === null) continue;
    const name = `Mcp-Param-${param.header}`;
    const raw = header(headers, name.toLowerCase());
    if (raw === undefined) {
      throw new JsonRpcError(ErrorCodes.HeaderMismatch, `Header mismatch: the ${name} header is required`);
    }
    const decoded = typeof raw === 'string' ? decodeHeaderValue(raw) : undefined;
    const matches =
      decoded !== undefined &&
      (param.type === 'integer'
        ? typeof value === 'number' && decoded.trim() !== '' && Number(decoded) === value
        : (typeof value === 'string' || typeof value === 'boolean') && decoded === String(value));
    if (!matches) {
      throw new JsonRpcError(
        ErrorCodes.HeaderMismatch,
        `Header mismatch: the ${name} header does not match the argument`,
      );
    }
  }
}

/**
 * Streamable HTTP §Value Encoding: `=?base64?…?=` carries a UTF-8 value in base64 (strict: the base64
 * alphabet with its padding, or the value is refused: undefined); anything else is the value as is.
 */
export function decodeHeaderValue(value: string): string | undefined {
  if (!value.startsWith('=?base64?') || !value.endsWith('?=') || value.length < 11) return value;
  const encoded = value.slice(9, -2);
  if (encoded.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) return undefined;
  return Buffer.from(encoded, 'base64').toString('utf8');
}
