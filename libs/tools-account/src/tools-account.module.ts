import { Module } from '@nestjs/common';
import { AccountTools } from './account.tools';

/** Example tool module without data of its own: it reads the user through IdentityModule's export. */
@Module({ providers: [AccountTools] })
export class ToolsAccountModule {}
