// The authorization endpoint's step table (docs/architecture.md C2) and its runner: the order, which
// entry point runs which step, and the one place an error becomes a redirect (RFC 6749 §4.1.2.1).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Request } from 'express';
import { InvalidScopeError, OAuthError, ServerError } from '../../common/oauth-errors';
import type { OAuthClientEntity } from '../../entities/oauth-client.entity';
import type { ValidatedAuthorization } from '../authorize-context';
import { redirectOf, runSteps } from './authorize-runner';
import type {
  AuthorizeEntry,
  AuthorizeRun,
  AuthorizeStep,
  AuthorizeStepDependencies,
} from './authorize-step';
import { AUTHORIZE_STEPS } from './index';

const namesFor = (entry: AuthorizeEntry) =>
  AUTHORIZE_STEPS.filter((step) => step.appliesTo.includes(entry)).map((step) => step.name);

describe('AUTHORIZE_STEPS', () => {
  it('is one ordered table of named steps with the entry points each applies to', () => {
    assert.deepEqual(
      AUTHORIZE_STEPS.map((step) => [step.name, step.appliesTo]),
      [
        ['load_request', ['start', 'continue']],
        ['read_decision', ['decide']],
        ['load_user', ['start', 'continue', 'decide']],
        ['consent_csrf', ['decide']],
        ['consent_covers', ['start', 'continue']],
        ['claim_request', ['continue', 'decide']],
        ['apply_decision', ['decide']],
        ['issue_code', ['start', 'continue', 'decide']],
        ['prompt_none', ['start', 'continue']],
        ['store_request', ['start', 'continue']],
        ['send_to_sign_in', ['start', 'continue']],
        ['render_consent', ['start', 'continue']],
      ],
    );
  });

  it('start: checks, person, remembered consent, then a code or prompt=none, storage, sign-in or the page', () => {
    assert.deepEqual(namesFor('start'), [
      'load_request',
      'load_user',
      'consent_covers',
      'issue_code',
      'prompt_none',
      'store_request',
      'send_to_sign_in',
      'render_consent',
    ]);
  });

  it('continue: like start on the stored request, claiming it only when a remembered consent answers', () => {
    assert.deepEqual(namesFor('continue'), [
      'load_request',
      'load_user',
      'consent_covers',
      'claim_request',
      'issue_code',
      'prompt_none',
      'store_request',
      'send_to_sign_in',
      'render_consent',
    ]);
  });

  it('decide: the form, the person, CSRF before the request is claimed, then the answer', () => {
    assert.deepEqual(namesFor('decide'), [
      'read_decision',
      'load_user',
      'consent_csrf',
      'claim_request',
      'apply_decision',
      'issue_code',
    ]);
  });

  it('names are unique and every step applies somewhere', () => {
    const names = AUTHORIZE_STEPS.map((step) => step.name);
    assert.equal(new Set(names).size, names.length);
    for (const step of AUTHORIZE_STEPS) assert.ok(step.appliesTo.length > 0, step.name);
  });
});

const client = (createdVia: string) =>
  ({ clientId: 'c1', createdVia, redirectUris: ['https://a.example/cb'] }) as unknown as OAuthClientEntity;
const auth = (createdVia: string): ValidatedAuthorization => ({
  client: client(createdVia),
  redirectUri: 'https://a.example/cb',
  redirectUriProvided: true,
  state: 'xyz',
  codeChallenge: 'c',
  scopes: ['notes:read'],
  resource: 'https://rs.example/mcp',
  prompt: new Set(),
  maxAge: null,
});
const deps = {} as AuthorizeStepDependencies;
const newRun = (entry: AuthorizeEntry): AuthorizeRun => ({
  entry,
  input: {},
  request: {} as Request,
  ip: null,
});
const step = (name: string, run: AuthorizeStep['run'], appliesTo: AuthorizeEntry[] = ['start']) =>
  ({ name, appliesTo, run }) as AuthorizeStep;

async function failure(run: AuthorizeRun, steps: AuthorizeStep[]): Promise<OAuthError> {
  try {
    await runSteps(run, deps, steps);
  } catch (thrown) {
    return thrown as OAuthError;
  }
  throw new Error('the steps did not fail');
}

describe('runSteps', () => {
  it('runs only the steps of the entry point, in order, and stops at the first outcome', async () => {
    const ran: string[] = [];
    const record = (name: string, appliesTo: AuthorizeEntry[], answers = false) =>
      step(
        name,
        (run) => {
          ran.push(name);
          if (answers) run.outcome = { kind: 'redirect', location: name };
        },
        appliesTo,
      );
    const run = newRun('continue');
    await runSteps(run, deps, [
      record('a', ['start', 'continue']),
      record('b', ['decide']),
      record('c', ['continue'], true),
      record('d', ['continue']),
    ]);
    assert.deepEqual(ran, ['a', 'c']);
    assert.deepEqual(run.outcome, { kind: 'redirect', location: 'c' });
  });

  it('before the redirect URI is known, an error passes through untouched (shown on the page)', async () => {
    const thrown = new InvalidScopeError('nope');
    const error = await failure(newRun('start'), [
      step('fails', () => {
        throw thrown;
      }),
    ]);
    assert.equal(error, thrown);
    assert.equal(error.redirect, undefined);
  });

  it('after it, the error carries the redirect, set once by the runner', async () => {
    const error = await failure(newRun('continue'), [
      step(
        'loads',
        (run) => {
          run.auth = auth('admin');
        },
        ['continue'],
      ),
      step(
        'fails',
        () => {
          throw new InvalidScopeError('nope');
        },
        ['continue'],
      ),
    ]);
    assert.ok(error instanceof InvalidScopeError);
    assert.deepEqual(error.redirect, { redirectUri: 'https://a.example/cb', state: 'xyz', untrusted: false });
  });

  it('an unknown error becomes server_error, redirected, without its message', async () => {
    const error = await failure(newRun('decide'), [
      step(
        'fails',
        (run) => {
          run.auth = auth('admin');
          throw new Error('connection string with secrets');
        },
        ['decide'],
      ),
    ]);
    assert.ok(error instanceof ServerError);
    assert.ok(!error.description.includes('secrets'));
    assert.equal(error.redirect?.redirectUri, 'https://a.example/cb');
  });

  it('a check that fails after check_redirect_uri is redirected; a self-registered client on start is untrusted (AS-PK-05)', async () => {
    const error = await failure(newRun('start'), [
      step('checks', (run) => {
        run.checks = {
          param: () => undefined,
          client: client('dcr'),
          redirectUri: 'https://a.example/cb',
          state: 's',
        };
        throw new InvalidScopeError('nope');
      }),
    ]);
    assert.deepEqual(error.redirect, { redirectUri: 'https://a.example/cb', state: 's', untrusted: true });
  });

  it('continue and decide redirect even a self-registered client (the request was stored by this server)', () => {
    for (const entry of ['continue', 'decide'] as const) {
      const run = newRun(entry);
      run.auth = auth('dcr');
      assert.equal(redirectOf(run)?.untrusted, false, entry);
    }
    const start = newRun('start');
    start.auth = auth('admin');
    assert.equal(redirectOf(start)?.untrusted, false);
  });
});
