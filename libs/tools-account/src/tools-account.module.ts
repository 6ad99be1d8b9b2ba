import { Module } from '@nestjs/common';
import { AccountTools } from './account.tools';

/** Example tool module without data of its own: it reads the caller's profile through CALLER_PROFILE_READER. */
@Module({ providers: [AccountTools] })
export class ToolsAccountModule {}
