// The fixture tools the MCP conformance suite's `server` scenarios call (tools-call-*, json-schema-2020-12,
// server-stateless, input-required-result-*), written with the public tool API of @app/mcp only. Only
// the conformance run loads this module (startTestApp({ extraModules })); the product never does.
import { setTimeout as sleep } from 'node:timers/promises';
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
  text,
  ToolError,
  ToolResult,
  type InputRequest,
  type ToolContext,
} from '@app/mcp';

export const CONFORMANCE_SCOPE = 'conformance';

/** A 1x1 red PNG and a 1-sample WAV, in base64. */
const RED_PIXEL_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const SILENT_WAV = Buffer.concat([
  Buffer.from('RIFF'),
  Buffer.from([38, 0, 0, 0]),
  Buffer.from('WAVEfmt '),
  Buffer.from([16, 0, 0, 0, 1, 0, 1, 0, 0x40, 0x1f, 0, 0, 0x80, 0x3e, 0, 0, 2, 0, 16, 0]),
  Buffer.from('data'),
  Buffer.from([2, 0, 0, 0, 0, 0]),
]);

const none = z.object({});
const nameSchema = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] };

const ask = {
  userName: elicit('What is your name?', nameSchema),
  confirm: elicit('Please confirm', {
    type: 'object',
    properties: { ok: { type: 'boolean' } },
    required: ['ok'],
  }),
  step1: elicit('Step 1: What is your name?', nameSchema),
  step2: elicit('Step 2: What is your favorite color?', {
    type: 'object',
    properties: { color: { type: 'string' } },
    required: ['color'],
  }),
  capital: {
    method: 'sampling/createMessage',
    params: {
      messages: [{ role: 'user', content: { type: 'text', text: 'What is the capital of France?' } }],
      maxTokens: 100,
    },
  } satisfies InputRequest,
  greeting: {
    method: 'sampling/createMessage',
    params: {
      messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }],
      maxTokens: 50,
    },
  } satisfies InputRequest,
  roots: { method: 'roots/list', params: {} } satisfies InputRequest,
};

/** An accepted elicitation answer's content, or undefined (missing, declined, malformed). */
function accepted(answer: unknown): Record<string, unknown> | undefined {
  if (typeof answer !== 'object' || answer === null) return undefined;
  const { action, content } = answer as { action?: unknown; content?: unknown };
  if (action !== 'accept' || typeof content !== 'object' || content === null) return undefined;
  return content as Record<string, unknown>;
}

const sampled = (answer: unknown): string | undefined => {
  const content = (answer as { content?: { type?: unknown; text?: unknown } } | null)?.content;
  return content?.type === 'text' && typeof content.text === 'string' ? content.text : undefined;
};

const rootsOf = (answer: unknown): { uri: string }[] | undefined => {
  const roots = (answer as { roots?: unknown } | null)?.roots;
  return Array.isArray(roots) ? (roots as { uri: string }[]) : undefined;
};

@McpScopes({
  [CONFORMANCE_SCOPE]: { description: 'Run the conformance fixture tools', default: true },
})
@Injectable()
export class ConformanceTools {
  @McpTool({ name: 'test_simple_text', description: 'Returns a simple text', input: none })
  @RequireScopes(CONFORMANCE_SCOPE)
  simpleText() {
    return 'This is a simple text response for testing.';
  }

  @McpTool({ name: 'test_image_content', description: 'Returns an image', input: none })
  @RequireScopes(CONFORMANCE_SCOPE)
  imageContent() {
    return new ToolResult({ content: [image(RED_PIXEL_PNG, 'image/png')] });
  }

  @McpTool({ name: 'test_audio_content', description: 'Returns audio', input: none })
  @RequireScopes(CONFORMANCE_SCOPE)
  audioContent() {
    return new ToolResult({ content: [audio(SILENT_WAV, 'audio/wav')] });
  }

  @McpTool({ name: 'test_embedded_resource', description: 'Returns an embedded resource', input: none })
  @RequireScopes(CONFORMANCE_SCOPE)
  embedded() {
    return new ToolResult({
      content: [
        embeddedResource({
          uri: 'test://embedded-resource',
          mimeType: 'text/plain',
          text: 'This is an embedded resource content.',
        }),
      ],
    });
  }

  @McpTool({ name: 'test_multiple_content_types', description: 'Returns mixed content', input: none })
  @RequireScopes(CONFORMANCE_SCOPE)
  mixed() {
    return new ToolResult({
      content: [
        text('Multiple content types test:'),
        image(RED_PIXEL_PNG, 'image/png'),
        embeddedResource({
          uri: 'test://mixed-content-resource',
          mimeType: 'application/json',
          text: JSON.stringify({ test: 'data', value: 123 }),
        }),
      ],
    });
  }

  @McpTool({ name: 'test_error_handling', description: 'Always fails', input: none })
  @RequireScopes(CONFORMANCE_SCOPE)
  errorHandling(): string {
    throw new ToolError('This tool intentionally returns an error for testing');
  }

  @McpTool({ name: 'test_tool_with_progress', description: 'Reports progress', input: none })
  @RequireScopes(CONFORMANCE_SCOPE)
  async withProgress(_input: object, _caller: unknown, context: ToolContext) {
    context.progress(0, 100);
    await sleep(50);
    context.progress(50, 100);
    await sleep(50);
    context.progress(100, 100);
    return 'Progress test completed';
  }

  @McpTool({ name: 'test_logging_tool', description: 'Logs when asked to', input: none })
  @RequireScopes(CONFORMANCE_SCOPE)
  logging(_input: object, _caller: unknown, context: ToolContext) {
    context.log('info', 'Tool execution started');
    context.log('info', 'Tool execution completed');
    return 'Logging test completed';
  }

  @McpTool({
    name: 'json_schema_2020_12_tool',
    description: 'Tool with JSON Schema 2020-12 features',
    input: z.object({}).passthrough(),
    listedInputSchema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      $defs: {
        address: {
          $anchor: 'addressDef',
          type: 'object',
          properties: { street: { type: 'string' }, city: { type: 'string' } },
        },
      },
      properties: {
        name: { type: 'string' },
        address: { $ref: '#/$defs/address' },
        contactMethod: { type: 'string', enum: ['phone', 'email'] },
        phone: { type: 'string' },
        email: { type: 'string' },
      },
      allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
      if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
      then: { required: ['phone'] },
      else: { required: ['email'] },
      additionalProperties: false,
    },
  })
  @RequireScopes(CONFORMANCE_SCOPE)
  jsonSchema() {
    return 'ok';
  }

  /** Mirrors `region` into the Mcp-Param-Region header (MCP 2026-07-28 tools §x-mcp-header). */
  @McpTool({
    name: 'test_custom_headers',
    description: 'Echoes a region carried in a custom header',
    input: z.object({ region: z.string().meta({ 'x-mcp-header': 'Region' }), query: z.string().optional() }),
  })
  @RequireScopes(CONFORMANCE_SCOPE)
  customHeaders(input: { region: string }) {
    return `Region: ${input.region}`;
  }

  /** Needs sampling: a client that did not declare it gets MissingRequiredClientCapability (-32021). */
  @McpTool({ name: 'test_missing_capability', description: 'Needs the sampling capability', input: none })
  @RequireScopes(CONFORMANCE_SCOPE)
  missingCapability(_input: object, _caller: unknown, context: ToolContext) {
    const answer = sampled(context.inputResponses.capital_question);
    if (answer) return `Sampled: ${answer}`;
    return new InputRequired({ inputRequests: { capital_question: ask.capital } });
  }

  @McpTool({ name: 'test_streaming_elicitation', description: 'Asks the person a question', input: none })
  @RequireScopes(CONFORMANCE_SCOPE)
  streamingElicitation(_input: object, _caller: unknown, context: ToolContext) {
    const name = accepted(context.inputResponses.user_name)?.name;
    if (typeof name === 'string') return `Hello, ${name}!`;
    return new InputRequired({ inputRequests: { user_name: ask.userName } });
  }

  @McpTool({
    name: 'test_input_required_result_elicitation',
    description: 'Asks for a name (MRTR)',
    input: none,
  })
  @RequireScopes(CONFORMANCE_SCOPE)
  mrtrElicitation(_input: object, _caller: unknown, context: ToolContext) {
    const name = accepted(context.inputResponses.user_name)?.name;
    // MRTR §Error Handling: missing or malformed answers are asked for again, not an error.
    if (typeof name !== 'string') return new InputRequired({ inputRequests: { user_name: ask.userName } });
    return `Hello, ${name}!`;
  }

  @McpTool({ name: 'test_input_required_result_sampling', description: 'Asks the model (MRTR)', input: none })
  @RequireScopes(CONFORMANCE_SCOPE)
  mrtrSampling(_input: object, _caller: unknown, context: ToolContext) {
    const answer = sampled(context.inputResponses.capital_question);
    if (answer === undefined) return new InputRequired({ inputRequests: { capital_question: ask.capital } });
    return `The model answered: ${answer}`;
  }

  @McpTool({
    name: 'test_input_required_result_list_roots',
    description: 'Asks for roots (MRTR)',
    input: none,
  })
  @RequireScopes(CONFORMANCE_SCOPE)
  mrtrRoots(_input: object, _caller: unknown, context: ToolContext) {
    const roots = rootsOf(context.inputResponses.client_roots);
    if (!roots) return new InputRequired({ inputRequests: { client_roots: ask.roots } });
    return `Roots: ${roots.map((r) => r.uri).join(', ')}`;
  }

  @McpTool({
    name: 'test_input_required_result_request_state',
    description: 'Round-trips its state (MRTR)',
    input: none,
  })
  @RequireScopes(CONFORMANCE_SCOPE)
  mrtrState(_input: object, _caller: unknown, context: ToolContext) {
    const ok = accepted(context.inputResponses.confirm);
    const state = context.state as { step?: string } | undefined;
    if (!ok || state?.step !== 'confirm') {
      return new InputRequired({ inputRequests: { confirm: ask.confirm }, state: { step: 'confirm' } });
    }
    return 'state-ok: confirmed';
  }

  @McpTool({
    name: 'test_input_required_result_multiple_inputs',
    description: 'Asks for three inputs at once (MRTR)',
    input: none,
  })
  @RequireScopes(CONFORMANCE_SCOPE)
  mrtrMultiple(_input: object, _caller: unknown, context: ToolContext) {
    const r = context.inputResponses;
    const name = accepted(r.user_name)?.name;
    const greeting = sampled(r.greeting);
    const roots = rootsOf(r.client_roots);
    if (typeof name !== 'string' || greeting === undefined || !roots) {
      return new InputRequired({
        inputRequests: { user_name: ask.userName, greeting: ask.greeting, client_roots: ask.roots },
        state: { round: 1 },
      });
    }
    return `${greeting} ${name} (${roots.length} roots)`;
  }

  @McpTool({ name: 'test_input_required_result_multi_round', description: 'Two rounds (MRTR)', input: none })
  @RequireScopes(CONFORMANCE_SCOPE)
  mrtrMultiRound(_input: object, _caller: unknown, context: ToolContext) {
    const state = context.state as { name?: string } | undefined;
    if (state?.name !== undefined) {
      const color = accepted(context.inputResponses.step2)?.color;
      if (typeof color === 'string') return `${state.name} likes ${color}`;
      return new InputRequired({ inputRequests: { step2: ask.step2 }, state });
    }
    const name = accepted(context.inputResponses.step1)?.name;
    if (typeof name === 'string')
      return new InputRequired({ inputRequests: { step2: ask.step2 }, state: { name } });
    return new InputRequired({ inputRequests: { step1: ask.step1 }, state: { round: 1 } });
  }

  @McpTool({
    name: 'test_input_required_result_tampered_state',
    description: 'Rejects a tampered state (MRTR)',
    input: none,
  })
  @RequireScopes(CONFORMANCE_SCOPE)
  mrtrTampered(_input: object, _caller: unknown, context: ToolContext) {
    if (
      (context.state as { step?: string } | undefined)?.step === 'confirm' &&
      accepted(context.inputResponses.confirm)
    ) {
      return 'state-ok';
    }
    return new InputRequired({ inputRequests: { confirm: ask.confirm }, state: { step: 'confirm' } });
  }

  /** Asks only for what the client declared it can answer (MRTR §Server Requirements 7). */
  @McpTool({
    name: 'test_input_required_result_capabilities',
    description: 'Asks only what the client supports (MRTR)',
    input: none,
  })
  @RequireScopes(CONFORMANCE_SCOPE)
  mrtrCapabilities(_input: object, _caller: unknown, context: ToolContext) {
    const declared = context.clientCapabilities;
    const requests: Record<string, InputRequest> = {};
    if (declared.elicitation && !accepted(context.inputResponses.user_name))
      requests.user_name = ask.userName;
    if (declared.sampling && sampled(context.inputResponses.capital_question) === undefined) {
      requests.capital_question = ask.capital;
    }
    if (declared.roots && !rootsOf(context.inputResponses.client_roots)) requests.client_roots = ask.roots;
    if (Object.keys(requests).length === 0) return 'All declared inputs received';
    return new InputRequired({ inputRequests: requests, state: { round: 1 } });
  }
}

@Module({ providers: [ConformanceTools] })
export class ConformanceToolsModule {}
