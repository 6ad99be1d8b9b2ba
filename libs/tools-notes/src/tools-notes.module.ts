import { Module } from '@nestjs/common';
import { NotesRepository } from './notes.repository';
import { NotesTools } from './notes.tools';

/** Example tool module with its own data. McpModule finds the tools; nothing else registers them. */
@Module({ providers: [NotesRepository, NotesTools] })
export class ToolsNotesModule {}
