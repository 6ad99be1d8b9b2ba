import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Request } from 'express';
import { AttemptContextStateStore, setAttemptContext } from './attempt-context';

describe('AttemptContextStateStore (passport-oauth2 state store)', () => {
  const store = new AttemptContextStateStore();

  it('hands passport-oauth2 our state and captures the PKCE verifier it generated', () => {
    const req = {} as Request;
    const context = setAttemptContext(req, { state: 'our-state' });
    let stored: string | undefined;
    store.store(req, 'generated-verifier', undefined, {}, (err, state) => {
      assert.equal(err, null);
      stored = state;
    });
    assert.equal(stored, 'our-state');
    assert.equal(context.generatedVerifier, 'generated-verifier');
  });

  it('verifies only the exact state of the consumed attempt and returns its verifier', () => {
    const req = {} as Request;
    setAttemptContext(req, { state: 'S', codeVerifier: 'V' });
    store.verify(req, 'S', {}, (err, ok) => {
      assert.equal(err, null);
      assert.equal(ok, 'V');
    });
    store.verify(req, 'S2', {}, (_err, ok) => assert.equal(ok, false));
    store.verify({} as Request, 'S', {}, (_err, ok) => assert.equal(ok, false));
  });

  it('refuses to start without an attempt', () => {
    store.store({} as Request, 'v', undefined, {}, (err) => assert.ok(err instanceof Error));
  });
});
