// The catalog checks all declarations together at boot: duplicate tool names, tools without scopes,
// undeclared or twice-declared scopes stop the boot; implications are honoured (RS-SC-06).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Injectable, Module } from '@nestjs/common';
import { MetadataScanner, Reflector } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { z } from 'zod';
import { McpDeclarationError, McpScopes, McpTool, RequireScopes } from './decorators';
import { buildCatalog, headerParams, ToolCatalog, type ToolSource } from './tool-catalog';
import { DiscoveryModule } from '@nestjs/core';
import type { ToolContext } from './tool-types';

const context: ToolContext = {
  protocolVersion: undefined,
  clientCapabilities: {},
  inputResponses: {},
  state: undefined,
  progress: () => undefined,
  log: () => undefined,
  upstream: () => {
    throw new Error('no upstream in this test');
  },
};

const input = z.object({ id: z.uuid(), limit: z.number().int().default(5) });

@McpScopes({
  'notes:read': { description: 'Read your notes', default: true },
  'notes:write': { description: 'Write your notes', implies: ['notes:read'] },
  'notes:admin': { description: 'Everything', implies: ['notes:write'] },
})
class NotesScopes {}

class NotesTools {
  @McpTool({
    name: 'notes_get',
    title: 'Get',
    description: 'Get a note',
    input,
    annotations: { readOnlyHint: true },
  })
  @RequireScopes('notes:read')
  get() {
    return 'x';
  }

  @McpTool({ name: 'notes_create', description: 'Create a note', input: z.object({}) })
  @RequireScopes('notes:write', 'notes:read')
  create() {
    return { ok: true };
  }

  helper() {
    return 1;
  }
}

const source = (metatype: ToolSource['metatype']): ToolSource => ({ metatype, instance: () => undefined });
const build = (...classes: ToolSource['metatype'][]) =>
  buildCatalog(classes.map(source), new Reflector(), new MetadataScanner());

describe('buildCatalog', () => {
  it('collects tools with their scopes and a tools/list entry built once (JSON Schema of the input)', () => {
    const catalog = build(NotesScopes, NotesTools);
    assert.deepEqual([...catalog.tools.keys()].sort(), ['notes_create', 'notes_get']);
    const get = catalog.tools.get('notes_get')!;
    assert.equal(get.owner, 'NotesTools.get');
    assert.deepEqual(get.requiredScopes, ['notes:read']);
    assert.deepEqual(get.listEntry, {
      name: 'notes_get',
      title: 'Get',
      description:
        'Get a note\n\nRequires the OAuth scope notes:read; without it the call asks for consent first.',
      inputSchema: {
        type: 'object',
        properties: {
          id: {
            type: 'string',
            format: 'uuid',
            pattern: (get.listEntry.inputSchema.properties as { id: { pattern: string } }).id.pattern,
          },
          limit: { type: 'integer', default: 5, minimum: -9007199254740991, maximum: 9007199254740991 },
        },
        required: ['id'],
      },
      annotations: { readOnlyHint: true },
      _meta: { 'dev.mcp-auth-server/requiredScopes': ['notes:read'] },
    });
    // MCP 2026-07-28 lists the same schema as JSON Schema 2020-12 with its dialect.
    assert.equal(get.modernListEntry.inputSchema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.deepEqual(catalog.tools.get('notes_create')!.listEntry.inputSchema, {
      type: 'object',
      properties: {},
    });
  });

  it('knows every scope with its description, implications and default flag', () => {
    const catalog = build(NotesScopes, NotesTools);
    assert.deepEqual(catalog.scopes, [
      { name: 'notes:read', description: 'Read your notes', implies: [], isDefault: true },
      { name: 'notes:write', description: 'Write your notes', implies: ['notes:read'], isDefault: false },
      { name: 'notes:admin', description: 'Everything', implies: ['notes:write'], isDefault: false },
    ]);
    assert.deepEqual(catalog.defaults, ['notes:read']);
    // RS-SC-06: implications are transitive.
    assert.deepEqual([...catalog.closures.get('notes:admin')!].sort(), [
      'notes:admin',
      'notes:read',
      'notes:write',
    ]);
  });

  it('fails on a duplicate tool name, naming both methods', () => {
    class Other {
      @McpTool({ name: 'notes_get', description: 'again', input: z.object({}) })
      @RequireScopes('notes:read')
      again() {
        return '';
      }
    }
    assert.throws(
      () => build(NotesScopes, NotesTools, Other),
      (e: unknown) =>
        e instanceof McpDeclarationError &&
        e.message ===
          'tool name "notes_get" is used twice (NotesTools.get and Other.again); tool names must be unique',
    );
  });

  it('fails on a tool without @RequireScopes', () => {
    class NoScopes {
      @McpTool({ name: 'open', description: 'd', input: z.object({}) })
      m() {
        return '';
      }
    }
    assert.throws(
      () => build(NotesScopes, NoScopes),
      /tool "open" \(NoScopes\.m\) has no @RequireScopes; every tool declares the scopes it needs/,
    );
  });

  it('fails on @RequireScopes without @McpTool', () => {
    class Stray {
      @RequireScopes('notes:read')
      m() {
        return '';
      }
    }
    assert.throws(() => build(NotesScopes, Stray), /@RequireScopes on Stray\.m without @McpTool/);
  });

  it('fails on a required scope that nobody declares', () => {
    class Undeclared {
      @McpTool({ name: 'x', description: 'd', input: z.object({}) })
      @RequireScopes('calendar:read')
      m() {
        return '';
      }
    }
    assert.throws(
      () => build(NotesScopes, Undeclared),
      /tool "x" \(Undeclared\.m\) requires scope "calendar:read", which no @McpScopes declares/,
    );
  });

  it('fails on a scope declared twice and on an implication of an undeclared scope', () => {
    @McpScopes({ 'notes:read': { description: 'again' } })
    class Twice {}
    assert.throws(
      () => build(NotesScopes, Twice),
      /scope "notes:read" is declared twice \(by NotesScopes and Twice\)/,
    );
    @McpScopes({ a: { description: 'a', implies: ['b'] } })
    class Dangling {}
    assert.throws(
      () => build(Dangling),
      /scope "a" \(declared by Dangling\) implies "b", which no @McpScopes declares/,
    );
  });
});

describe('ToolCatalog (Nest DiscoveryService)', () => {
  @McpScopes({
    'a:read': { description: 'Read a', default: true },
    'a:write': { description: 'Write a', implies: ['a:read'] },
  })
  @Injectable()
  class ATools {
    @McpTool({ name: 'a_read', description: 'read a', input: z.object({}) })
    @RequireScopes('a:read')
    read() {
      return 'a';
    }
  }
  @Injectable()
  class BTools {
    @McpTool({ name: 'b_write', description: 'write b', input: z.object({}) })
    @RequireScopes('a:write')
    write() {
      return 'b';
    }
  }
  @Module({ providers: [ATools] })
  class AModule {}
  @Module({
    providers: [BTools, { provide: 'VALUE', useValue: { x: 1 } }, { provide: 'F', useFactory: () => 1 }],
  })
  class BModule {}

  it('collects tools from every imported module and implements the ScopeRegistry', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [DiscoveryModule, AModule, BModule],
      providers: [ToolCatalog],
    }).compile();
    await moduleRef.init();
    const catalog = moduleRef.get(ToolCatalog);
    assert.deepEqual([...catalog.tools()].map((t) => t.name).sort(), ['a_read', 'b_write']);
    assert.deepEqual(catalog.defaults(), ['a:read']);
    assert.deepEqual(
      catalog.all().map((s) => s.name),
      ['a:read', 'a:write'],
    );
    assert.equal(catalog.get('a:write')?.description, 'Write a');
    assert.deepEqual([...catalog.expand(['a:write', 'unknown'])].sort(), ['a:read', 'a:write', 'unknown']);
    // The tool runs on the module's singleton instance.
    assert.equal(
      await catalog
        .tool('b_write')!
        .invoke({}, { kind: 'person', userId: 'u', clientId: 'c', grantId: 'g', scopes: [] }, context),
      'b',
    );
    await moduleRef.close();
  });

  it('stops the boot when a module brings a misdeclared tool', async () => {
    @Injectable()
    class Clash {
      @McpTool({ name: 'a_read', description: 'again', input: z.object({}) })
      @RequireScopes('a:read')
      read() {
        return '';
      }
    }
    @Module({ providers: [Clash] })
    class ClashModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [DiscoveryModule, AModule, ClashModule],
      providers: [ToolCatalog],
    }).compile();
    await assert.rejects(
      moduleRef.init(),
      /tool name "a_read" is used twice \(ATools\.read and Clash\.read\)/,
    );
    await moduleRef.close();
  });
});

describe('x-mcp-header parameters (MCP 2026-07-28 tools §x-mcp-header)', () => {
  const schema = (properties: Record<string, unknown>) => ({ type: 'object', properties });

  it('finds annotated primitive properties through `properties` only, with their paths', () => {
    assert.deepEqual(
      headerParams(
        schema({
          region: { type: 'string', 'x-mcp-header': 'Region' },
          target: schema({ shard: { type: 'integer', 'x-mcp-header': 'Shard' } }),
          list: { type: 'array', items: { type: 'string' } },
        }),
        't',
      ),
      [
        { path: ['region'], header: 'Region', type: 'string' },
        { path: ['target', 'shard'], header: 'Shard', type: 'integer' },
      ],
    );
  });

  it('stops the boot on a bad name, a duplicate (ignoring case) or a non-primitive type', () => {
    for (const [properties, message] of [
      [{ a: { type: 'string', 'x-mcp-header': 'Bad Name' } }, /must be an HTTP token/],
      [{ a: { type: 'number', 'x-mcp-header': 'A' } }, /string, integer or boolean/],
      [
        { a: { type: 'string', 'x-mcp-header': 'Dup' }, b: { type: 'string', 'x-mcp-header': 'dup' } },
        /used twice/,
      ],
    ] as const) {
      assert.throws(() => headerParams(schema(properties), 'tool "x"'), message);
    }
  });
});
