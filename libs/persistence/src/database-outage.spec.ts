// The one database-outage mapping (503 + Retry-After) that the OAuth endpoints, /mcp and the app filter render.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceError } from '@app/errors';
import { databaseOutage } from './database-outage';

describe('databaseOutage', () => {
  it('an unreachable database is a 503 with Retry-After; the driver message stays in the detail', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const outage = databaseOutage({ message: 'query failed', driverError: refused });
    assert.ok(outage instanceof ServiceError);
    assert.equal(outage.status, 503);
    assert.deepEqual(outage.headers, { 'Retry-After': '2' });
    assert.equal(outage.description, 'The service is temporarily unavailable');
    assert.equal(outage.detail, 'non-error thrown');
    assert.equal(databaseOutage(refused)?.detail, 'Error: connect ECONNREFUSED 127.0.0.1:5432');
  });

  it('anything else is not an outage', () => {
    assert.equal(databaseOutage(Object.assign(new Error('duplicate key'), { code: '23505' })), undefined);
    assert.equal(databaseOutage(undefined), undefined);
  });
});
