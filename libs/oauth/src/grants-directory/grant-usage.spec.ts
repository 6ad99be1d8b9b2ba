import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GrantUsageRecorder } from './grant-usage';
import type { GrantsDirectoryRepository } from './grants-directory.repository';

describe('GrantUsageRecorder ("last used")', () => {
  it('writes a grant at most once a minute per replica, never waiting, never throwing', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const writes: string[] = [];
    const repo = {
      touchGrant: (id: string) => {
        writes.push(id);
        return id === 'broken' ? Promise.reject(new Error('db down')) : Promise.resolve();
      },
    } as unknown as GrantsDirectoryRepository;
    const recorder = new GrantUsageRecorder(repo);
    recorder.used('g1');
    recorder.used('g1');
    recorder.used('g2');
    t.mock.timers.tick(59_999);
    recorder.used('g1');
    assert.deepEqual(writes, ['g1', 'g2']);
    t.mock.timers.tick(1);
    recorder.used('g1');
    assert.deepEqual(writes, ['g1', 'g2', 'g1']);
    recorder.used('broken'); // a failed write is logged, not thrown
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(writes, ['g1', 'g2', 'g1', 'broken']);
  });
});
