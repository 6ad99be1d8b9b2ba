/**
 * Tools a later deployment adds under the notes scopes, for the re-consent tests (EXT-RC-03/04): a
 * destructive `notes_purge` under notes:write and a read-only `notes_count` under notes:read. They
 * only answer; they touch no data.
 */
import { Injectable, Module } from '@nestjs/common';
import { z } from 'zod';
import { McpTool, RequireScopes, type McpCaller } from '@app/mcp';

@Injectable()
export class LaterNotesTools {
  @McpTool({
    name: 'notes_purge',
    title: 'Purge all notes',
    description: 'Delete every note of the signed-in user at once. This cannot be undone.',
    input: z.object({ confirm: z.literal(true).describe('Must be true') }),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  })
  @RequireScopes('notes:write')
  purge(_input: { confirm: true }, caller: McpCaller) {
    return { purgedFor: caller.userId };
  }

  @McpTool({
    name: 'notes_count',
    title: 'Count notes',
    description: 'How many notes the signed-in user has.',
    input: z.object({}),
    annotations: { readOnlyHint: true, openWorldHint: false },
  })
  @RequireScopes('notes:read')
  count(_input: Record<string, never>, caller: McpCaller) {
    return { countFor: caller.userId };
  }
}

@Module({ providers: [LaterNotesTools] })
export class LaterNotesToolsModule {}
