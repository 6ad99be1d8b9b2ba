// USER_GRANT_REVOKER fails closed: without a provider the module does not boot, instead of disabling a
// user while every token they authorized keeps working.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { USER_GRANT_REVOKER, type UserGrantRevoker } from '@app/oauth';
import { UserAdministration } from './user-administration.service';

const standIns = (token: unknown) => (token === USER_GRANT_REVOKER ? undefined : {});

describe('USER_GRANT_REVOKER is required', () => {
  it('UserAdministration cannot be built without a provider', async () => {
    await assert.rejects(
      Test.createTestingModule({ providers: [UserAdministration, { provide: DataSource, useValue: {} }] })
        .useMocker(standIns)
        .compile(),
      (error: Error) => {
        assert.match(error.message, /resolve dependencies of the UserAdministration/);
        assert.match(error.message, /USER_GRANT_REVOKER/);
        return true;
      },
    );
  });

  it('builds with a provider, and disabling asks it to revoke the grants', async () => {
    const revoked: string[] = [];
    const revoker: UserGrantRevoker = {
      revokeAllForUser: (userId) => {
        revoked.push(userId);
        return Promise.resolve(2);
      },
    };
    const manager = {};
    const moduleRef = await Test.createTestingModule({
      providers: [
        UserAdministration,
        {
          provide: DataSource,
          useValue: { transaction: (work: (m: unknown) => Promise<unknown>) => work(manager) },
        },
        { provide: USER_GRANT_REVOKER, useValue: revoker },
      ],
    })
      .useMocker(() => ({
        setDisabled: () => Promise.resolve(true),
        deleteAllForUser: () => Promise.resolve(1),
        record: () => Promise.resolve(),
      }))
      .compile();
    const result = await moduleRef.get(UserAdministration).disable('u1');
    assert.deepEqual(result, { found: true, sessionsEnded: 1, grantsRevoked: 2 });
    assert.deepEqual(revoked, ['u1']);
  });
});
