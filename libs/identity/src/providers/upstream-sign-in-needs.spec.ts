// A provider whose API a tool uses asks for the tools' scopes at sign-in (UP-11); Google also asks for
// offline access then, so that it returns a refresh token. Without such a tool nothing changes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { GithubProviderConfig } from '../config/github.config';
import type { GoogleProviderConfig } from '../config/google.config';
import { GithubPassportStrategy } from './github.provider';
import { GooglePassportStrategy } from './google.provider';

const github: GithubProviderConfig = {
  clientId: 'id',
  clientSecret: 'secret',
  authorizationUrl: 'https://ghe.example.com/login/oauth/authorize',
  tokenUrl: 'https://ghe.example.com/login/oauth/access_token',
  userProfileUrl: 'https://ghe.example.com/api/v3/user',
  userEmailUrl: 'https://ghe.example.com/api/v3/user/emails',
  apiUrl: 'https://ghe.example.com/api/v3',
  allowedOrgs: [],
};
const google: GoogleProviderConfig = {
  clientId: 'id',
  clientSecret: 'secret',
  authorizationUrl: 'https://accounts.example/auth',
  tokenUrl: 'https://accounts.example/token',
  userProfileUrl: 'https://accounts.example/userinfo',
};
const scopeOf = (strategy: object) => (strategy as { _scope: string[] })._scope;

describe('sign-in asks for what the tools need', () => {
  it("GitHub: the usual scopes, plus the tools' ones (once each) when a tool uses the API", () => {
    assert.deepEqual(scopeOf(new GithubPassportStrategy(github, 'https://mcp.example/cb')), [
      'read:user',
      'user:email',
    ]);
    const withTools = new GithubPassportStrategy(github, 'https://mcp.example/cb', {
      scopes: ['repo', 'user:email'],
      keepTokens: true,
    });
    assert.deepEqual(scopeOf(withTools), ['read:user', 'user:email', 'repo']);
  });

  it('Google: offline access (a refresh token) only when the tokens are kept', () => {
    const plain = new GooglePassportStrategy(google, 'https://mcp.example/cb');
    assert.equal((plain.authorizationParams({}) as Record<string, string>).access_type, undefined);
    const kept = new GooglePassportStrategy(google, 'https://mcp.example/cb', {
      scopes: ['https://www.googleapis.com/auth/calendar.readonly'],
      keepTokens: true,
    });
    assert.equal((kept.authorizationParams({}) as Record<string, string>).access_type, 'offline');
    assert.deepEqual(scopeOf(kept), [
      'openid',
      'email',
      'profile',
      'https://www.googleapis.com/auth/calendar.readonly',
    ]);
  });
});
