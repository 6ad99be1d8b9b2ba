import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import {
  McpScopes,
  McpTool,
  RequireScopes,
  ToolError,
  UsesUpstream,
  type McpCaller,
  type ToolContext,
} from '@app/mcp';

const reposInput = z.object({
  page: z.number().int().min(1).max(100).default(1).describe('Page of results, from 1'),
  perPage: z
    .number()
    .int()
    .min(1)
    .max(100)
    .default(30)
    .describe('How many repositories per page (at most 100)'),
});

const repository = z.object({
  fullName: z.string(),
  private: z.boolean(),
  url: z.string(),
  description: z.string().nullable(),
  updatedAt: z.string().nullable(),
});
const reposOutput = z.object({ repositories: z.array(repository), nextPage: z.number().int().optional() });

interface GithubRepo {
  full_name?: unknown;
  private?: unknown;
  html_url?: unknown;
  description?: unknown;
  updated_at?: unknown;
}

/**
 * The example of a tool that acts on the person's own upstream account: it lists their GitHub
 * repositories with the GitHub token the server holds for them (never the MCP token: RS-TOK-06).
 * GitHub Enterprise Server works the same way (GITHUB_API_URL=https://<host>/api/v3).
 */
@McpScopes({
  'github:read': { description: 'See the repositories of your GitHub account' },
})
@Injectable()
export class GithubTools {
  @McpTool({
    name: 'github_repos',
    title: 'List my GitHub repositories',
    description:
      "List the signed-in person's GitHub repositories (the ones they own, collaborate on or reach through an organisation), most recently updated first.",
    input: reposInput,
    output: reposOutput,
    annotations: { readOnlyHint: true, openWorldHint: true },
    // The person's own GitHub account: a machine client (client_credentials) has none.
    requiresPerson: true,
  })
  @RequireScopes('github:read')
  // GitHub OAuth apps have no read-only scope for private repositories: `repo` is the one that lists them.
  @UsesUpstream('github', ['repo'])
  async repos(input: z.output<typeof reposInput>, _caller: McpCaller, context: ToolContext) {
    const github = context.upstream('github');
    const query = new URLSearchParams({
      sort: 'updated',
      per_page: String(input.perPage),
      page: String(input.page),
    });
    const res = await github.fetch(`/user/repos?${query.toString()}`);
    if (!res.ok) {
      await res.body?.cancel();
      throw new ToolError(`GitHub answered ${res.status}; try again later`);
    }
    const body: unknown = await res.json();
    if (!Array.isArray(body)) throw new ToolError('GitHub answered with something other than a list');
    const repositories = (body as GithubRepo[]).map((r) => ({
      fullName: typeof r.full_name === 'string' ? r.full_name : '',
      private: r.private === true,
      url: typeof r.html_url === 'string' ? r.html_url : '',
      description: typeof r.description === 'string' ? r.description : null,
      updatedAt: typeof r.updated_at === 'string' ? r.updated_at : null,
    }));
    return {
      repositories,
      ...(/\brel="next"/.test(res.headers.get('link') ?? '') ? { nextPage: input.page + 1 } : {}),
    };
  }
}
