export { ToolsAccountModule } from './tools-account.module';
