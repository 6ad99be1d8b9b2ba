// Checks the audit log's background batching (moved here from the removed /mcp parity suite): events recorded in
// the background on the hot paths are every one written, in order, with their fields.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AuditLog } from '@app/audit';
import { startTestApp, type TestApp } from '../support/app';

describe('audit events recorded in the background', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(async () => {
    await t?.close();
  });

  it('batched background audit events: every one written, in order, with its fields', async () => {
    const audit = t.app.get(AuditLog);
    for (let i = 0; i < 450; i++) {
      audit.recordInBackground({
        type: 'test.batched',
        userId: null,
        clientId: `client-${i}`,
        ip: '192.0.2.1',
        detail: { n: i },
      });
    }
    await audit.flush();
    const rows: { client_id: string; ip: string; detail: { n: number } }[] = await t.dataSource.query(
      `SELECT client_id, ip, detail FROM audit_events WHERE type = 'test.batched' ORDER BY id`,
    );
    assert.equal(rows.length, 450);
    assert.deepEqual(
      rows.map((r) => r.detail.n),
      [...Array(450).keys()],
    );
    assert.equal(rows[7].client_id, 'client-7');
    assert.equal(rows[7].ip, '192.0.2.1');
  });
});
