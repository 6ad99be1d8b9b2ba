import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceError } from '@app/errors';
import {
  InvalidClientError,
  InvalidClientMetadataError,
  InvalidGrantError,
  InvalidRedirectUriError,
  InvalidRequestError,
  InvalidScopeError,
  InvalidTargetError,
  InvalidTokenError,
  MissingTokenError,
  TooManyRequestsError,
  UnauthorizedClientError,
  UnsupportedGrantTypeError,
  toWireError,
} from './oauth-errors';

describe('OAuth errors and their wire form (docs/architecture.md C1)', () => {
  const cases: [unknown, number, string][] = [
    [new InvalidRequestError('d'), 400, 'invalid_request'],
    [new InvalidClientError('d'), 401, 'invalid_client'],
    [new InvalidGrantError('d'), 400, 'invalid_grant'],
    [new UnauthorizedClientError('d'), 400, 'unauthorized_client'],
    [new UnsupportedGrantTypeError('d'), 400, 'unsupported_grant_type'],
    [new InvalidScopeError('d'), 400, 'invalid_scope'],
    [new InvalidTargetError('d'), 400, 'invalid_target'],
    [new InvalidRedirectUriError('d'), 400, 'invalid_redirect_uri'],
    [new InvalidClientMetadataError('d'), 400, 'invalid_client_metadata'],
    [new InvalidTokenError('d'), 401, 'invalid_token'],
    [new TooManyRequestsError(7), 429, 'too_many_requests'],
  ];
  it('every OAuth error is a ServiceError; challenges and Retry-After ride on its headers', () => {
    assert.ok(new InvalidGrantError('d') instanceof ServiceError);
    assert.deepEqual(toWireError(new InvalidTokenError('d')).headers, {
      'WWW-Authenticate': 'Bearer error="invalid_token"',
    });
    assert.deepEqual(toWireError(new MissingTokenError('d')).headers, { 'WWW-Authenticate': 'Bearer' });
    assert.deepEqual(toWireError(new InvalidClientError('d', undefined, true)).headers, {
      'WWW-Authenticate': 'Basic realm="oauth", charset="UTF-8"',
    });
    assert.deepEqual(toWireError(new InvalidClientError('d')).headers, {});
    assert.deepEqual(toWireError(new TooManyRequestsError(7)).headers, { 'Retry-After': '7' });
    const outage = toWireError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    assert.equal(outage.status, 503);
    assert.deepEqual(outage.body, {
      error: 'temporarily_unavailable',
      error_description: 'The service is temporarily unavailable; try again shortly',
    });
    assert.deepEqual(outage.headers, { 'Retry-After': '2' });
  });
  for (const [error, status, code] of cases) {
    it(`${code} → ${status}`, () => {
      const wire = toWireError(error);
      assert.equal(wire.status, status);
      assert.equal(wire.body.error, code);
    });
  }
  it('the private detail never reaches the body', () => {
    const wire = toWireError(new InvalidGrantError('public words', 'secret detail mcp_rt_xyz'));
    assert.deepEqual(wire.body, { error: 'invalid_grant', error_description: 'public words' });
  });
  it('anything unknown becomes server_error without internals', () => {
    const wire = toWireError(new Error('connection to 10.0.0.5 refused, password=hunter2'));
    assert.equal(wire.status, 500);
    assert.equal(wire.body.error, 'server_error');
    assert.ok(!JSON.stringify(wire.body).includes('hunter2'));
    assert.equal(toWireError('a string').body.error, 'server_error');
  });
  it('a database outage becomes a retryable 503 temporarily_unavailable, not a 500', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const wire = toWireError(refused);
    assert.equal(wire.status, 503);
    assert.equal(wire.body.error, 'temporarily_unavailable');
    assert.ok(Number(wire.headers['Retry-After']) >= 1);
    assert.ok(!JSON.stringify(wire.body).includes('5432'));
  });
  it('Basic-authenticated invalid_client carries WWW-Authenticate; 429 carries Retry-After', () => {
    assert.match(
      toWireError(new InvalidClientError('d', undefined, true)).headers['WWW-Authenticate'],
      /^Basic /,
    );
    assert.deepEqual(toWireError(new InvalidClientError('d')).headers, {});
    assert.equal(toWireError(new TooManyRequestsError(42)).headers['Retry-After'], '42');
  });
  it('client and redirect URI errors are never redirected', () => {
    assert.equal(new InvalidClientError('d').redirectable, false);
    assert.equal(new InvalidRedirectUriError('d').redirectable, false);
    assert.equal(new InvalidScopeError('d').redirectable, true);
  });
});
