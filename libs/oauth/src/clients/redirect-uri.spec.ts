import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkRedirectUri, matchRedirectUri } from './redirect-uri';

describe('checkRedirectUri (registration, AS-PK-03, RFC 8252)', () => {
  const ok = [
    'https://app.example.com/callback',
    'https://app.example.com/cb?x=1',
    'http://localhost:3000/callback',
    'http://127.0.0.1/callback',
    'http://[::1]:8080/cb',
    'vscode://vscode.github-authentication/did-authenticate',
    'cursor://anysphere.cursor-retrieval/oauth/callback',
    'com.example.app:/oauth2redirect',
  ];
  for (const uri of ok) it(`accepts ${uri}`, () => assert.equal(checkRedirectUri(uri), null));

  const bad: [string, string][] = [
    ['http://app.example.com/callback', 'http_not_loopback'],
    ['http://localhost.evil.com/cb', 'http_not_loopback'],
    ['https://app.example.com/cb#frag', 'fragment'],
    ['https://app.example.com/cb#', 'fragment'],
    ['javascript:alert(1)', 'forbidden_scheme'],
    ['JavaScript:alert(1)', 'forbidden_scheme'],
    ['data:text/html,hi', 'forbidden_scheme'],
    ['file:///etc/passwd', 'forbidden_scheme'],
    ['https://user:pw@app.example.com/cb', 'userinfo'],
    ['not a url', 'not_a_url'],
    ['/relative/path', 'not_a_url'],
  ];
  for (const [uri, problem] of bad)
    it(`refuses ${uri} (${problem})`, () => assert.equal(checkRedirectUri(uri), problem));
});

describe('matchRedirectUri (AS-PK-04)', () => {
  it('matches exactly', () => {
    assert.equal(matchRedirectUri('https://a.example/cb', ['https://a.example/cb']), 'https://a.example/cb');
  });
  it('does not normalise: case, trailing slash, extra query and path all differ', () => {
    const reg = ['https://a.example/cb'];
    for (const r of [
      'https://A.example/cb',
      'https://a.example/cb/',
      'https://a.example/cb?x=1',
      'https://a.example/c',
    ]) {
      assert.equal(matchRedirectUri(r, reg), null, r);
    }
  });
  it('lets only the port vary on http loopback (RFC 8252 §7.3)', () => {
    const reg = ['http://127.0.0.1/callback', 'http://localhost:1234/cb?x=1', 'http://[::1]:1/cb'];
    assert.equal(matchRedirectUri('http://127.0.0.1:49152/callback', reg), reg[0]);
    assert.equal(matchRedirectUri('http://localhost:9/cb?x=1', reg), reg[1]);
    assert.equal(matchRedirectUri('http://[::1]:5000/cb', reg), reg[2]);
    assert.equal(matchRedirectUri('http://127.0.0.1:49152/other', reg), null);
    assert.equal(matchRedirectUri('http://localhost:9/cb?x=2', reg), null);
    assert.equal(matchRedirectUri('http://localhost:9/cb', reg), null);
    assert.equal(matchRedirectUri('http://127.0.0.2:80/callback', reg), null);
    assert.equal(matchRedirectUri('https://127.0.0.1:443/callback', reg), null);
  });
  it('never lets the port vary on https or custom schemes', () => {
    assert.equal(matchRedirectUri('https://a.example:444/cb', ['https://a.example/cb']), null);
  });
});
