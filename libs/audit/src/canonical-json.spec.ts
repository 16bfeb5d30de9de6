import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } }), '{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  });

  it('gives the same bytes whatever the insertion order (what jsonb round-trips do to a record)', () => {
    assert.equal(canonicalJson({ path: 'title', after: 'b', before: 'a' }), canonicalJson({ before: 'a', after: 'b', path: 'title' }));
  });

  it('sorts by UTF-16 code units, as RFC 8785 does (its §3.2.3 example order)', () => {
    const keys = ['\u20ac', '\r', '\ufb33', '1', '\ud83d\ude00', '\u0080', '\u00f6'];
    const expected = ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33'];
    assert.equal(canonicalJson(Object.fromEntries(keys.map((k) => [k, 0]))), `{${expected.map((k) => `${JSON.stringify(k)}:0`).join(',')}}`);
  });

  it('writes numbers and escapes strings as ECMAScript JSON does (RFC 8785 §3.2.2)', () => {
    assert.equal(canonicalJson([1e21, 0.1, -0, 1.5e-7, 'a"\\\n\u0001é']), '[1e+21,0.1,0,1.5e-7,"a\\"\\\\\\n\\u0001é"]');
  });

  it('drops undefined members, renders dates as ISO strings and refuses what JSON cannot hold', () => {
    assert.equal(canonicalJson({ a: undefined, t: new Date(0) }), '{"t":"1970-01-01T00:00:00.000Z"}');
    assert.throws(() => canonicalJson({ n: Number.NaN }), TypeError);
    assert.throws(() => canonicalJson({ f: () => 1 }), TypeError);
  });
});
