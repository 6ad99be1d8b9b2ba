import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  hasUnstorableJson,
  isBadInputForDatabase,
  isSafeLine,
  isUnstorableText,
  isVisibleAscii,
} from './input-rules';

describe('input rules (what may reach PostgreSQL)', () => {
  it('unstorable text: NUL and unpaired surrogates; a valid pair (emoji) is fine', () => {
    assert.equal(isUnstorableText('a\u0000b'), true);
    assert.equal(isUnstorableText('a\ud800b'), true);
    assert.equal(isUnstorableText('a\udc00'), true);
    assert.equal(isUnstorableText('\ud83d\ude00 ok'), false);
    assert.equal(isUnstorableText('tab\tand\nnewline'), false);
  });
  it('a safe line has no control character (C0, DEL, C1) and no unpaired surrogate', () => {
    for (const bad of ['a\u0000', 'a\u0007', 'a\r\n', 'a\t', 'a\u007f', 'a\u0085', 'a\ud800']) {
      assert.equal(isSafeLine(bad), false, JSON.stringify(bad));
    }
    assert.equal(isSafeLine('Zoë’s app \ud83d\ude00'), true);
  });
  it('visible ASCII: no space, no control, nothing beyond 0x7e', () => {
    assert.equal(isVisibleAscii('mcpc_abc-._~+/='), true);
    for (const bad of ['a b', 'a\u0000', 'é', 'a\u007f']) assert.equal(isVisibleAscii(bad), false);
  });
  it('finds unstorable strings anywhere in a JSON value, keys included', () => {
    assert.equal(hasUnstorableJson({ a: [1, { b: 'x\u0000' }] }), true);
    assert.equal(hasUnstorableJson({ ['k\ud800']: 1 }), true);
    assert.equal(hasUnstorableJson({ a: ['ok', 2, null, true] }), false);
  });
  it("recognises PostgreSQL's bad-input refusals, also wrapped by TypeORM; not other errors", () => {
    for (const code of ['22021', '22P05', '22003', '22P02']) {
      assert.equal(isBadInputForDatabase(Object.assign(new Error('x'), { code })), true, code);
      assert.equal(isBadInputForDatabase({ message: 'q', driverError: { code } }), true, code);
    }
    assert.equal(isBadInputForDatabase(Object.assign(new Error('dup'), { code: '23505' })), false);
    assert.equal(isBadInputForDatabase(Object.assign(new Error('down'), { code: 'ECONNREFUSED' })), false);
    assert.equal(isBadInputForDatabase(new TypeError('bug')), false);
  });
});
