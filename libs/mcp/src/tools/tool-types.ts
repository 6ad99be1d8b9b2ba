import type { UpstreamApi } from '../ports/upstream-tokens';

/**
 * Who is calling a tool, as proven by the bearer token of this very request (RS-TOK-03/07): a person
 * through a client application, or a machine client acting for itself (an RFC 6749 §4.4
 * client_credentials token, which names no person). A tool uses `userId` to scope every read and write
 * to the caller's own data (docs/architecture.md C6); a tool declared with `requiresPerson` is never
 * called by a client, and may type its caller as PersonCaller.
 */
export type McpCaller = PersonCaller | ClientCaller;

/** A person, through the client application they authorized. */
export interface PersonCaller extends CallerBase {
  readonly kind: 'person';
  /** The user's stable id (token `sub`). */
  readonly userId: string;
}

/** A machine client acting on its own behalf (client_credentials): no person, so no userId. */
export interface ClientCaller extends CallerBase {
  readonly kind: 'client';
  readonly userId: null;
}

interface CallerBase {
  /** The OAuth client (MCP client application) the user authorized, or the machine client itself. */
  readonly clientId: string;
  /** The grant the token hangs off; revoking it ends every token of this authorization. */
  readonly grantId: string;
  /** The token's scopes plus every scope they imply (RS-SC-06), sorted. */
  readonly scopes: readonly string[];
}

/** MCP logging levels (RFC 5424 severities), least to most severe. */
export const LOGGING_LEVELS = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
] as const;
export type LoggingLevel = (typeof LOGGING_LEVELS)[number];

/**
 * What else a tools/call carried, and what a tool may send back before its result. The third
 * argument of every tool method (tools that do not need it simply declare two parameters).
 */
export interface ToolContext {
  /** The request's protocol version: `2026-07-28` for modern clients, undefined for legacy ones. */
  readonly protocolVersion: string | undefined;
  /** The client's capabilities as declared on this request (modern era; `{}` for legacy clients). */
  readonly clientCapabilities: Readonly<Record<string, unknown>>;
  /**
   * MCP 2026-07-28 multi round-trip requests: the client's answers to the `inputRequests` of an
   * earlier `InputRequired` result, keyed as the tool asked. Empty on a first call.
   */
  readonly inputResponses: Readonly<Record<string, unknown>>;
  /**
   * The `state` the tool put in its `InputRequired` result, back from the client after the server
   * verified its seal (same person, same tool, same arguments, not expired). Undefined otherwise.
   */
  readonly state: unknown;
  /**
   * MCP progress: a `notifications/progress` on this request's own response stream, sent only when
   * the client asked for progress (a `progressToken`). `progress` must increase with each call.
   */
  progress(progress: number, total?: number, message?: string): void;
  /**
   * MCP logging: a `notifications/message` on this request's own response stream, sent only when
   * the client asked for a log level (`io.modelcontextprotocol/logLevel`) at or below `level`.
   */
  log(level: LoggingLevel, data: unknown, logger?: string): void;
  /**
   * The caller's own account at `provider` (their GitHub, their Google), for a tool declared with
   * @UsesUpstream(provider): a `fetch` against the provider's API with the token the server holds
   * for this person. Never the MCP token (RS-TOK-06); never another person's (UP-11).
   */
  upstream(provider: string): UpstreamApi;
}

/** Optional hints on any content block (MCP "Annotations"). */
export interface ContentAnnotations {
  readonly audience?: readonly ('user' | 'assistant')[];
  readonly priority?: number;
  readonly lastModified?: string;
}

export type ToolContent =
  | { readonly type: 'text'; readonly text: string; readonly annotations?: ContentAnnotations }
  | {
      readonly type: 'image' | 'audio';
      /** Base64 of the bytes. */
      readonly data: string;
      readonly mimeType: string;
      readonly annotations?: ContentAnnotations;
    }
  | {
      readonly type: 'resource';
      readonly resource:
        | { readonly uri: string; readonly mimeType?: string; readonly text: string }
        | { readonly uri: string; readonly mimeType?: string; readonly blob: string };
      readonly annotations?: ContentAnnotations;
    }
  | {
      readonly type: 'resource_link';
      readonly uri: string;
      readonly name: string;
      readonly title?: string;
      readonly description?: string;
      readonly mimeType?: string;
      readonly size?: number;
      readonly annotations?: ContentAnnotations;
    };

/** Content block builders: `new ToolResult({ content: [text('Done'), image(png, 'image/png')] })`. */
export const text = (value: string): ToolContent => ({ type: 'text', text: value });
export const image = (data: Buffer | string, mimeType: string): ToolContent => ({
  type: 'image',
  data: typeof data === 'string' ? data : data.toString('base64'),
  mimeType,
});
export const audio = (data: Buffer | string, mimeType: string): ToolContent => ({
  type: 'audio',
  data: typeof data === 'string' ? data : data.toString('base64'),
  mimeType,
});
/** An embedded resource: text, or bytes (sent as base64 `blob`). */
export const embeddedResource = (resource: {
  uri: string;
  mimeType?: string;
  text?: string;
  blob?: Buffer | string;
}): ToolContent => ({
  type: 'resource',
  resource:
    resource.blob !== undefined
      ? {
          uri: resource.uri,
          ...(resource.mimeType && { mimeType: resource.mimeType }),
          blob: typeof resource.blob === 'string' ? resource.blob : resource.blob.toString('base64'),
        }
      : {
          uri: resource.uri,
          ...(resource.mimeType && { mimeType: resource.mimeType }),
          text: resource.text ?? '',
        },
});
export const resourceLink = (link: {
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  size?: number;
}): ToolContent => ({ type: 'resource_link', ...link });

/**
 * A tool result spelled out: any content blocks, optional `structuredContent` (checked against the
 * tool's `output` schema when it declares one) and `isError` for a failure the model should see.
 */
export class ToolResult {
  readonly content: readonly ToolContent[];
  readonly structuredContent: unknown;
  readonly isError: boolean;

  constructor(result: { content?: readonly ToolContent[]; structuredContent?: unknown; isError?: boolean }) {
    this.content = result.content ?? [];
    this.structuredContent = result.structuredContent;
    this.isError = result.isError === true;
  }
}

/** One request the client must fulfil before the tool can finish (MCP 2026-07-28 MRTR `InputRequests`). */
export type InputRequest =
  | { readonly method: 'elicitation/create'; readonly params: Readonly<Record<string, unknown>> }
  | { readonly method: 'sampling/createMessage'; readonly params: Readonly<Record<string, unknown>> }
  | { readonly method: 'roots/list'; readonly params?: Readonly<Record<string, unknown>> };

/** Ask the person a question through the client (form-mode elicitation). */
export const elicit = (message: string, requestedSchema: Record<string, unknown>): InputRequest => ({
  method: 'elicitation/create',
  params: { mode: 'form', message, requestedSchema },
});

/**
 * MCP 2026-07-28 multi round-trip requests: the tool cannot finish without more input. The client
 * gathers the answers and calls the tool again with the same arguments; the tool then finds them in
 * `context.inputResponses` and its `state` in `context.state`. Stateless: `state` travels sealed
 * (HMAC, bound to the person, the tool and its arguments, expiring) inside `requestState`.
 */
export class InputRequired {
  readonly inputRequests: Readonly<Record<string, InputRequest>> | undefined;
  readonly state: unknown;

  constructor(options: { inputRequests?: Record<string, InputRequest>; state?: unknown }) {
    this.inputRequests = options.inputRequests;
    this.state = options.state;
  }
}

/**
 * What a tool method returns: a string becomes one text block; a plain object becomes
 * `structuredContent` plus its JSON in a text block (with the text fallback for older clients);
 * a ToolResult is sent as spelled out; an InputRequired asks the client for more input.
 */
export type ToolOutput = string | Record<string, unknown> | ToolResult | InputRequired;

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
