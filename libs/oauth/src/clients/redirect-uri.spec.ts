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
    ['not a url', 'bad_characters'],
    ['notaurl', 'not_a_url'],
    ['/relative/path', 'not_a_url'],
  ];
  for (const [uri, problem] of bad)
    it(`refuses ${uri} (${problem})`, () => assert.equal(checkRedirectUri(uri), problem));

  // RFC 8252 §7.1: private-use schemes in reverse domain name form; known dangerous OS handlers refused.
  const dangerous = [
    'ms-msdt:id PCWDiagnostic',
    'ms-msdt:/id',
    'search-ms:query=x&crumb=location:\\\\evil.example\\share',
    'search-ms:/x',
    'jar:https://evil.example/a.jar!/',
    'smb://evil.example/share',
    'itms-services://?action=download-manifest&url=https://evil.example/m.plist',
    'file:///c:/windows/system32/calc.exe',
    'ms-officecmd:/x',
    'vbscript:msgbox(1)',
  ];
  for (const uri of dangerous) {
    it(`refuses the dangerous handler ${uri.slice(0, 20)}`, () => {
      const problem = checkRedirectUri(uri);
      assert.ok(problem === 'forbidden_scheme' || problem === 'bad_characters', `${uri}: ${problem}`);
    });
  }
  for (const uri of ['ms-msdt:/id', 'search-ms:/x', 'jar:/x', 'smb:/x', 'itms-services:/x']) {
    it(`names ${uri} a forbidden scheme`, () => assert.equal(checkRedirectUri(uri), 'forbidden_scheme'));
  }
  for (const uri of ['a:/cb', 'myapp://callback', 'x-app:/cb']) {
    it(`refuses the single-label scheme ${uri} (not reverse-domain)`, () =>
      assert.equal(checkRedirectUri(uri), 'scheme_not_reverse_domain'));
  }

  // RFC 9207 §2.4 / RFC 6749 §4.1.2: the response's own parameters may not be pre-set by the client.
  for (const name of ['code', 'state', 'iss', 'error', 'error_description', 'error_uri']) {
    it(`refuses a registered ?${name}=`, () =>
      assert.equal(checkRedirectUri(`https://app.example.com/cb?${name}=x`), 'response_parameter'));
  }
  it('accepts other query parameters', () =>
    assert.equal(checkRedirectUri('https://app.example.com/cb?tenant=1&codes=2'), null));

  // RFC 6749 §3.1.2 / RFC 3986 §2: no raw CR, LF, space, control or non-ASCII characters.
  for (const uri of [
    'https://app.example.com/cb\r\n',
    'https://app.example.com/c b',
    'https://app.example.com/cb\u0000',
    'https://app.example.com/\tcb',
    'https://app.example.com/é',
    'com.example.app:/c\u0007b',
  ]) {
    it(`refuses raw bad characters in ${JSON.stringify(uri)}`, () =>
      assert.equal(checkRedirectUri(uri), 'bad_characters'));
  }
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
