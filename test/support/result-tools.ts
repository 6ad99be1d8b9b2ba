/**
 * A tool module for tests only (startTestApp({ extraModules: [ResultToolsModule] })): one tool per kind of
 * result the MCP 2026-07-28 tool API can produce, written with the public API of @app/mcp.
 */
import { Injectable, Module } from '@nestjs/common';
import { z } from 'zod';
import {
  audio,
  elicit,
  embeddedResource,
  image,
  InputRequired,
  McpScopes,
  McpTool,
  RequireScopes,
  resourceLink,
  text,
  ToolError,
  ToolResult,
  type McpCaller,
  type ToolContext,
} from '@app/mcp';

export const RESULTS_SCOPE = 'results:run';
export const PNG_1X1 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';

const none = z.object({});
const weather = z.object({ city: z.string(), celsius: z.number() });

@McpScopes({ [RESULTS_SCOPE]: { description: 'Run the result test tools' } })
@Injectable()
export class ResultTools {
  @McpTool({ name: 'result_content', description: 'Every content block kind', input: none })
  @RequireScopes(RESULTS_SCOPE)
  content() {
    return new ToolResult({
      content: [
        text('hello'),
        image(PNG_1X1, 'image/png'),
        audio(Buffer.from('RIFF'), 'audio/wav'),
        embeddedResource({ uri: 'test://note.txt', mimeType: 'text/plain', text: 'embedded' }),
        embeddedResource({
          uri: 'test://blob.bin',
          mimeType: 'application/octet-stream',
          blob: Buffer.from([1, 2]),
        }),
        resourceLink({ uri: 'https://example.com/doc', name: 'doc', mimeType: 'text/html' }),
      ],
    });
  }

  @McpTool({
    name: 'result_structured',
    description: 'Structured content with an output schema',
    input: z.object({ city: z.string().min(1) }),
    output: weather,
  })
  @RequireScopes(RESULTS_SCOPE)
  structured(input: { city: string }) {
    return { city: input.city, celsius: 21.5 };
  }

  @McpTool({
    name: 'result_broken_output',
    description: 'Returns data that does not match its output schema',
    input: none,
    output: weather,
  })
  @RequireScopes(RESULTS_SCOPE)
  broken() {
    return { city: 42 };
  }

  @McpTool({ name: 'result_error', description: 'A failure the model should see', input: none })
  @RequireScopes(RESULTS_SCOPE)
  failure(): string {
    throw new ToolError('That did not work: try another city');
  }

  @McpTool({ name: 'result_progress', description: 'Reports progress and logs', input: none })
  @RequireScopes(RESULTS_SCOPE)
  progress(_input: object, _caller: McpCaller, context: ToolContext) {
    context.progress(1, 3, 'first');
    context.log('debug', 'debug detail');
    context.progress(2, 3);
    context.log('warning', { note: 'almost there' }, 'results');
    context.progress(3, 3, 'done');
    return 'finished';
  }

  /** Mirrors two arguments into Mcp-Param-* headers (MCP 2026-07-28 tools §x-mcp-header). */
  @McpTool({
    name: 'result_headers',
    description: 'Takes a region and a shard that intermediaries can route on',
    input: z.object({
      region: z.string().meta({ 'x-mcp-header': 'Region' }),
      shard: z.number().int().optional().meta({ 'x-mcp-header': 'Shard' }),
    }),
  })
  @RequireScopes(RESULTS_SCOPE)
  headers(input: { region: string; shard?: number }) {
    return `${input.region}/${input.shard ?? '-'}`;
  }

  /** Needs the `admin` scope, which the scope-grant policy gives administrators only. */
  @McpTool({ name: 'result_admin', description: 'For administrators', input: none })
  @RequireScopes('admin')
  adminOnly() {
    return 'admin';
  }

  /** Needs the person's answer (MRTR): asks through elicitation, keeps what it knows in its state. */
  @McpTool({
    name: 'result_confirm',
    description: 'Asks the person to confirm before doing something',
    input: z.object({ what: z.string().min(1) }),
  })
  @RequireScopes(RESULTS_SCOPE)
  confirm(input: { what: string }, _caller: McpCaller, context: ToolContext) {
    const answer = context.inputResponses.confirm as
      { action?: string; content?: { ok?: boolean } } | undefined;
    const state = context.state as { asked?: string } | undefined;
    if (state?.asked === input.what && answer?.action === 'accept' && answer.content?.ok === true) {
      return `Confirmed: ${input.what}`;
    }
    if (state?.asked === input.what && answer?.action === 'decline') return `Cancelled: ${input.what}`;
    return new InputRequired({
      inputRequests: {
        confirm: elicit(`Really ${input.what}?`, {
          type: 'object',
          properties: { ok: { type: 'boolean' } },
          required: ['ok'],
        }),
      },
      state: { asked: input.what },
    });
  }
}

@Module({ providers: [ResultTools] })
export class ResultToolsModule {}
