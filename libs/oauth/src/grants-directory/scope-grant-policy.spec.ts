// SCOPE_GRANT_POLICY fails closed: a module that leaves it out does not boot (Nest refuses to resolve
// the authorize flow, which applies it before a grant is stored), instead of letting anyone hold
// every scope (RFC 6749 §3.3).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '@app/config';
import { AuthorizeService } from '../authorize/authorize.service';
import { SCOPE_GRANT_POLICY } from './scope-grant-policy';

/** Every other dependency is a stand-in; the port under test is never mocked (nor the optional config). */
const standIns = (token: unknown) => (token === SCOPE_GRANT_POLICY || token === APP_CONFIG ? undefined : {});

describe('SCOPE_GRANT_POLICY is required', () => {
  for (const consumer of [AuthorizeService]) {
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
});
