import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTable } from './cli-output';

describe('formatTable', () => {
  it('aligns columns under a header and a rule, with no trailing blanks', () => {
    const text = formatTable([
      { id: 'a1', name: 'short', state: 'ok' },
      { id: 'b22', name: 'a longer name', state: null },
    ]);
    assert.deepEqual(text.split('\n'), [
      'id   name           state',
      '---  -------------  -----',
      'a1   short          ok',
      'b22  a longer name',
    ]);
    for (const line of text.split('\n')) assert.equal(line, line.trimEnd());
  });

  it('says (none) for no rows', () => {
    assert.equal(formatTable([]), '(none)');
  });
});
