import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveResource, scopesForResource } from './resource';

const MCP = 'https://mcp.example.com/mcp';

describe('resolveResource (RFC 8707, AS-RI-02/04/05)', () => {
  it('absent means the MCP resource', () => assert.equal(resolveResource(undefined, MCP), MCP));
  it('accepts the exact value and a trailing slash', () => {
    assert.equal(resolveResource(MCP, MCP), MCP);
    assert.equal(resolveResource(`${MCP}/`, MCP), MCP);
  });
  it('accepts upper-case scheme and host', () =>
    assert.equal(resolveResource('HTTPS://MCP.EXAMPLE.COM/mcp', MCP), MCP));
  it('refuses anything else', () => {
    for (const r of [
      'https://mcp.example.com',
      'https://mcp.example.com/',
      'https://mcp.example.com/mcp/x',
      'https://mcp.example.com/MCP',
      'https://mcp.example.com/mcp?x=1',
      'https://mcp.example.com/mcp#f',
      'https://other.example.com/mcp',
      'http://mcp.example.com/mcp',
      'https://mcp.example.com:8443/mcp',
      'mcp',
      '',
    ]) {
      assert.equal(resolveResource(r, MCP), null, r);
    }
  });
});

describe('the admin resource (RFC 8707)', () => {
  const ADMIN = 'https://mcp.example.com/api/admin';
  it('is accepted when listed, with or without a trailing slash; absent is still the MCP resource', () => {
    assert.equal(resolveResource(ADMIN, MCP, [ADMIN]), ADMIN);
    assert.equal(resolveResource(`${ADMIN}/`, MCP, [ADMIN]), ADMIN);
    assert.equal(resolveResource(undefined, MCP, [ADMIN]), MCP);
    assert.equal(resolveResource(ADMIN, MCP), null, 'unknown unless listed');
    assert.equal(resolveResource(`${ADMIN}/clients`, MCP, [ADMIN]), null);
    assert.equal(resolveResource(`${ADMIN}?x=1`, MCP, [ADMIN]), null);
  });
  it('carries `admin` only, and /mcp never carries it', () => {
    assert.deepEqual(scopesForResource(['admin', 'notes:read'], ADMIN, ADMIN), ['admin']);
    assert.deepEqual(scopesForResource(['admin', 'notes:read'], MCP, ADMIN), ['notes:read']);
    assert.deepEqual(scopesForResource(['notes:read'], ADMIN, ADMIN), []);
  });
});
