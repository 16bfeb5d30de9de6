import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeStrictUtf8, findJsonStructureProblem } from './json-structure-guard';

describe('findJsonStructureProblem', () => {
  it('finds duplicate keys, also when escapes spell the same key', () => {
    assert.deepEqual(findJsonStructureProblem('{"userName":"a","userName":"b"}'), { kind: 'duplicateKey', key: 'userName', position: 16 });
    assert.equal(findJsonStructureProblem('{"a":1,"\\u0061":2}')?.kind, 'duplicateKey');
    assert.equal(findJsonStructureProblem('{"name":{"givenName":"x","givenName":"y"}}')?.kind, 'duplicateKey');
    assert.equal(findJsonStructureProblem('[{"value":"a"},{"value":"b"}]'), undefined, 'same key in sibling objects is fine');
    assert.equal(findJsonStructureProblem('{"a":"a","b":"a:"}'), undefined, 'string values that look like keys are not keys');
    assert.equal(findJsonStructureProblem('{"a":"\\"a\\":1","a\\"":2}'), undefined);
  });

  it('bounds nesting depth', () => {
    assert.equal(findJsonStructureProblem('['.repeat(64) + ']'.repeat(64)), undefined);
    assert.deepEqual(findJsonStructureProblem('['.repeat(65) + ']'.repeat(65)), { kind: 'tooDeep', maxDepth: 64, position: 64 });
    assert.equal(findJsonStructureProblem('{"a":'.repeat(100000) + '1' + '}'.repeat(100000))?.kind, 'tooDeep');
    assert.equal(findJsonStructureProblem('"' + '['.repeat(1000) + '"'), undefined, 'brackets inside strings do not count');
  });

  it('agrees with JSON.parse on every valid document without duplicates (no false positives)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        assert.equal(findJsonStructureProblem(JSON.stringify(value)), undefined);
      }),
      { numRuns: 500 },
    );
  });
});

describe('decodeStrictUtf8', () => {
  it('refuses overlong encodings, lone surrogates and truncated sequences', () => {
    assert.equal(decodeStrictUtf8(Buffer.from('{"userName":"é"}')), '{"userName":"é"}');
    assert.equal(decodeStrictUtf8(Buffer.from([0x22, 0xc0, 0xaf, 0x22])), undefined, 'overlong "/"');
    assert.equal(decodeStrictUtf8(Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22])), undefined, 'UTF-8 encoded surrogate');
    assert.equal(decodeStrictUtf8(Buffer.from([0x22, 0xe2, 0x82])), undefined, 'truncated');
  });
});
