// TOOL_MODULES: the always-served tool modules, and the GitHub tools only with GITHUB_TOOLS=true (UP-11).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ToolsAccountModule } from '@app/tools-account';
import { ToolsGithubModule } from '@app/tools-github';
import { ToolsNotesModule } from '@app/tools-notes';
import { loadAppConfig } from './config-slices';
import { toolModules } from './tool-modules';

describe('toolModules', () => {
  it('serves the GitHub tools only when GITHUB_TOOLS=true', () => {
    assert.deepEqual(toolModules(loadAppConfig({})), [ToolsAccountModule, ToolsNotesModule]);
    assert.deepEqual(toolModules(loadAppConfig({ GITHUB_TOOLS: 'false' })), [
      ToolsAccountModule,
      ToolsNotesModule,
    ]);
    assert.deepEqual(toolModules(loadAppConfig({ GITHUB_TOOLS: 'true' })), [
      ToolsAccountModule,
      ToolsNotesModule,
      ToolsGithubModule,
    ]);
  });

  it('refuses a GITHUB_TOOLS that is not true or false', () => {
    assert.throws(() => loadAppConfig({ GITHUB_TOOLS: 'yes' }), /GITHUB_TOOLS must be true or false/);
  });
});
