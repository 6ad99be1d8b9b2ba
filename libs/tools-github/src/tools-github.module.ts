import { Module } from '@nestjs/common';
import { GithubTools } from './github.tools';

/** Example tool module that acts on the person's own GitHub account through mcp's upstream port. */
@Module({ providers: [GithubTools] })
export class ToolsGithubModule {}
