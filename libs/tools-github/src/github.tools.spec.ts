// github_repos through the real /mcp path with a stand-in for the person's GitHub account (UP-11):
// the caller's own API, the listed fields, the next page, GitHub's failures as tool errors.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newTestTool, ToolError, type UpstreamApi, type UpstreamTokenPort } from '@app/mcp';
import { GithubTools } from './github.tools';

class FakeGithubAccount implements UpstreamTokenPort {
  readonly calls: string[] = [];
  status = 200;
  link = '';
  revoked = false;

  unavailable(): string | null {
    return null;
  }

  apiFor(userId: string, provider: string): UpstreamApi {
    return {
      provider,
      baseUrl: 'https://ghe.example.com/api/v3',
      fetch: (path) => {
        this.calls.push(`${userId} ${path}`);
        if (this.revoked) return Promise.reject(new ToolError('Sign in to GitHub again: https://x'));
        const repos = [
          { full_name: `${userId}/one`, private: true, html_url: 'https://g/one', description: 'first' },
          { full_name: `${userId}/two`, html_url: 'https://g/two', updated_at: '2026-01-02T00:00:00Z' },
        ];
        const headers = this.link ? { link: this.link } : undefined;
        return Promise.resolve(new Response(JSON.stringify(repos), { status: this.status, headers }));
      },
    };
  }
}

describe('github_repos', () => {
  it("lists the caller's repositories from their own GitHub account", async () => {
    const github = new FakeGithubAccount();
    const tool = newTestTool(GithubTools, { scopes: ['github:read'], user: 'alice', upstream: github });
    const answer = await tool.call('github_repos', { perPage: 2 });
    assert.equal(answer.kind, 'result');
    assert.deepEqual(answer.kind === 'result' && answer.result.structuredContent, {
      repositories: [
        { fullName: 'alice/one', private: true, url: 'https://g/one', description: 'first', updatedAt: null },
        {
          fullName: 'alice/two',
          private: false,
          url: 'https://g/two',
          description: null,
          updatedAt: '2026-01-02T00:00:00Z',
        },
      ],
    });
    assert.deepEqual(github.calls, ['alice /user/repos?sort=updated&per_page=2&page=1']);
  });

  it('names the next page when GitHub has one', async () => {
    const github = new FakeGithubAccount();
    github.link = '<https://ghe.example.com/api/v3/user/repos?page=3>; rel="next"';
    const tool = newTestTool(GithubTools, { scopes: ['github:read'], upstream: github });
    const answer = await tool.call('github_repos', { page: 2 });
    assert.equal(
      answer.kind === 'result' && (answer.result.structuredContent as { nextPage: number }).nextPage,
      3,
    );
  });

  it("turns GitHub's failure and a revoked account into tool errors the person can read", async () => {
    const github = new FakeGithubAccount();
    const tool = newTestTool(GithubTools, { scopes: ['github:read'], upstream: github });
    github.status = 502;
    const failed = await tool.call('github_repos');
    assert.equal(failed.kind === 'result' && failed.result.isError, true);
    assert.match(JSON.stringify(failed), /GitHub answered 502/);
    github.status = 200;
    github.revoked = true;
    const revoked = await tool.call('github_repos');
    assert.match(JSON.stringify(revoked), /Sign in to GitHub again/);
  });

  it('is never called by a machine client (client_credentials): it has no GitHub account', async () => {
    const github = new FakeGithubAccount();
    const tool = newTestTool(GithubTools, { scopes: ['github:read'], machine: true, upstream: github });
    const answer = await tool.call('github_repos');
    assert.equal(answer.kind === 'result' && answer.result.isError, true);
    assert.match(JSON.stringify(answer), /works on a person's own data/);
    assert.deepEqual(github.calls, []);
  });

  it('needs github:read (step-up otherwise), and a provider of the upstream port to boot', async () => {
    const tool = newTestTool(GithubTools, { scopes: ['profile:read'], upstream: new FakeGithubAccount() });
    assert.deepEqual(await tool.call('github_repos'), {
      kind: 'insufficient_scope',
      status: 403,
      scope: ['github:read'],
    });
    assert.throws(
      () => newTestTool(GithubTools, { scopes: ['github:read'] }),
      /no module provides UPSTREAM_TOKEN_PORT/,
    );
  });
});
