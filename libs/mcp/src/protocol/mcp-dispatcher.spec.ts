// The dispatcher decides the common JSON-RPC shapes without zod and skips the SDK's result
// validation; these check that both shortcuts agree with the SDK's own schemas exactly.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CallToolRequestParamsSchema,
  CallToolResultSchema,
  JSONRPCMessageSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { audio, embeddedResource, image, resourceLink, text, ToolResult } from '../tools/tool-types';
import { errorResult, isPlainCallParams, parseMessage, toResult } from './mcp-dispatcher';

const outcome = (f: () => unknown) => {
  try {
    return { ok: true, value: f() };
  } catch {
    return { ok: false };
  }
};

describe('McpDispatcher shortcuts agree with the SDK schemas', () => {
  it('parseMessage = JSONRPCMessageSchema.parse for requests, notifications, responses and junk', () => {
    const messages: unknown[] = [
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x', arguments: {} } },
      { jsonrpc: '2.0', id: 'a', method: 'tools/list' },
      { jsonrpc: '2.0', id: 0, method: 'ping', params: {} },
      { jsonrpc: '2.0', id: 1.5, method: 'ping' },
      { jsonrpc: '2.0', id: 2 ** 60, method: 'ping' },
      { jsonrpc: '2.0', id: null, method: 'ping' },
      { jsonrpc: '2.0', id: true, method: 'ping' },
      { id: 1, method: 'ping' },
      { jsonrpc: '1.0', id: 1, method: 'ping' },
      { jsonrpc: '2.0', id: 1, method: 'ping', extra: 1 },
      { jsonrpc: '2.0', id: 1, method: 5 },
      { jsonrpc: '2.0', id: 1, method: 'ping', params: [] },
      { jsonrpc: '2.0', id: 1, method: 'ping', params: null },
      { jsonrpc: '2.0', id: 1, method: 'ping', params: 'x' },
      { jsonrpc: '2.0', id: 1, method: 'ping', params: { _meta: { progressToken: 7 } } },
      { jsonrpc: '2.0', id: 1, method: 'ping', params: { _meta: 5 } },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 1, result: {} },
      { jsonrpc: '2.0', id: 1, error: { code: -1, message: 'x' } },
      { hello: 'world' },
      [],
      null,
      'text',
    ];
    for (const message of messages) {
      const expected = outcome(() => JSONRPCMessageSchema.parse(message));
      const actual = outcome(() => parseMessage(message));
      assert.deepEqual(actual, expected, JSON.stringify(message));
    }
  });

  it('isPlainCallParams only says yes where CallToolRequestParamsSchema gives the same params back', () => {
    const params: unknown[] = [
      { name: 'x' },
      { name: 'x', arguments: { a: 1 } },
      { name: 'x', arguments: [] },
      { name: 'x', arguments: null },
      { name: 5 },
      { name: 'x', _meta: {} },
      { name: 'x', task: { ttl: 1 } },
      {},
      null,
    ];
    let plain = 0;
    for (const p of params) {
      if (!isPlainCallParams(p)) continue;
      plain++;
      const parsed = CallToolRequestParamsSchema.safeParse(p);
      assert.ok(parsed.success, JSON.stringify(p));
      assert.deepEqual(parsed.data, p);
    }
    assert.equal(plain, 2);
  });

  it('every result the dispatcher builds is a valid CallToolResult, unchanged by the schema', () => {
    const tool = { name: 't', output: undefined };
    const results = [
      toResult('plain text', tool, false),
      toResult({ user: { id: 'u', name: null }, list: [1, 2], nested: { deep: { x: true } } }, tool, false),
      toResult({}, tool, false),
      toResult(
        new ToolResult({
          content: [
            text('t'),
            image(Buffer.from([137, 80, 78, 71]), 'image/png'),
            audio('UklGRg==', 'audio/wav'),
            embeddedResource({ uri: 'test://a.txt', mimeType: 'text/plain', text: 'a' }),
            embeddedResource({ uri: 'test://b.bin', blob: Buffer.from('b') }),
            resourceLink({ uri: 'test://c', name: 'c', mimeType: 'text/plain' }),
          ],
          isError: true,
        }),
        tool,
        false,
      ),
      errorResult('The tool failed'),
    ];
    for (const result of results) {
      const parsed = CallToolResultSchema.safeParse(result);
      assert.ok(parsed.success);
      assert.deepEqual(parsed.data, result);
    }
    assert.throws(
      () => toResult([] as unknown as string, tool, false),
      /must return a string, a plain object/,
    );
  });
});
