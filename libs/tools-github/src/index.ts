export { ToolsGithubModule } from './tools-github.module';
export { GithubTools } from './github.tools';
