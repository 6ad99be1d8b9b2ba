import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Request } from 'express';
import type { Strategy } from 'passport';
import { runPassportStrategy, UpstreamTimeout } from './passport-runner';

type Actions = {
  success(u: unknown): void;
  fail(i: unknown): void;
  redirect(u: string): void;
  error(e: unknown): void;
};

const strategy = (behaviour: (self: Actions) => void): Strategy => ({
  name: 'fake',
  authenticate(this: Actions) {
    behaviour(this);
  },
});

const req = {} as Request;

describe('runPassportStrategy', () => {
  it('reports each Passport action as a value', async () => {
    assert.deepEqual(
      await runPassportStrategy(
        strategy((s) => s.redirect('https://idp/x')),
        req,
        {},
        1000,
      ),
      {
        kind: 'redirect',
        url: 'https://idp/x',
      },
    );
    assert.deepEqual(
      await runPassportStrategy(
        strategy((s) => s.success({ id: 1 })),
        req,
        {},
        1000,
      ),
      {
        kind: 'success',
        user: { id: 1 },
      },
    );
    assert.equal(
      (
        await runPassportStrategy(
          strategy((s) => s.fail({ message: 'no' })),
          req,
          {},
          1000,
        )
      ).kind,
      'fail',
    );
    const boom = new Error('boom');
    assert.deepEqual(
      await runPassportStrategy(
        strategy((s) => s.error(boom)),
        req,
        {},
        1000,
      ),
      {
        kind: 'error',
        error: boom,
      },
    );
  });

  it('turns a synchronous throw into an error outcome', async () => {
    const outcome = await runPassportStrategy(
      strategy(() => {
        throw new TypeError('bad');
      }),
      req,
      {},
      1000,
    );
    assert.equal(outcome.kind, 'error');
  });

  it('gives up on a provider that never answers', async () => {
    const started = Date.now();
    const outcome = await runPassportStrategy(
      strategy(() => undefined),
      req,
      {},
      50,
    );
    assert.equal(outcome.kind, 'error');
    assert.ok(outcome.kind === 'error' && outcome.error instanceof UpstreamTimeout);
    assert.ok(Date.now() - started < 1000);
  });

  it('never mutates the shared strategy instance', async () => {
    const shared = strategy((s) => s.success('x'));
    await runPassportStrategy(shared, req, {}, 1000);
    assert.equal(Object.prototype.hasOwnProperty.call(shared, 'success'), false);
  });
});
