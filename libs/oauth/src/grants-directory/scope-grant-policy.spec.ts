// SCOPE_GRANT_POLICY fails closed: a module that leaves it out does not boot (Nest refuses to resolve
// the classes that store grants), instead of letting anyone hold every scope (RFC 6749 §3.3).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '@app/config';
import { AuthorizeService } from '../authorize/authorize.service';
import { TokenRepository } from '../repositories/token.repository';
import { SCOPE_GRANT_POLICY, type ScopeGrantPolicy } from './scope-grant-policy';

const onlyNotes: ScopeGrantPolicy = {
  grantable: (_userId, scopes) => Promise.resolve(scopes.filter((s) => s === 'notes:read')),
};

/** Every other dependency is a stand-in; the port under test is never mocked (nor the optional config). */
const standIns = (token: unknown) => (token === SCOPE_GRANT_POLICY || token === APP_CONFIG ? undefined : {});

describe('SCOPE_GRANT_POLICY is required', () => {
  for (const consumer of [TokenRepository, AuthorizeService]) {
    it(`${consumer.name} cannot be built without a provider`, async () => {
      await assert.rejects(
        Test.createTestingModule({ providers: [consumer, { provide: DataSource, useValue: {} }] })
          .useMocker(standIns)
          .compile(),
        (error: Error) => {
          assert.match(error.message, new RegExp(`resolve dependencies of the ${consumer.name}`));
          assert.match(error.message, /SCOPE_GRANT_POLICY/);
          return true;
        },
      );
    });
  }

  it('the provided policy is the one applied when a grant is stored', async () => {
    const moduleRef = await Test.createTestingModule({
      providers: [
        TokenRepository,
        { provide: DataSource, useValue: {} },
        { provide: SCOPE_GRANT_POLICY, useValue: onlyNotes },
      ],
    })
      .useMocker(standIns)
      .compile();
    const inserted: unknown[][] = [];
    const manager = {
      query: (_sql: string, params: unknown[]) => {
        inserted.push(params);
        return Promise.resolve([{ id: 'g1' }]);
      },
    };
    await moduleRef.get(TokenRepository).createGrant(manager as never, {
      userId: 'u1',
      clientId: 'c1',
      scopes: ['admin', 'notes:read'],
      resource: 'https://rs.example/mcp',
    });
    assert.equal(inserted.length, 1);
    assert.deepEqual(inserted[0]?.[3], ['notes:read'], 'the scopes column holds only what the policy allows');
  });
});
