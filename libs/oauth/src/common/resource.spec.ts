import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveResource } from './resource';

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
