import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import { oneLine, positiveInteger, progressBar, queryString } from './cli-support';

/** Runs fn with stderr pretending to be (or not be) a terminal, and returns what was written to it. */
function stderrOf(isTTY: boolean, fn: () => void): string {
  const stderr = process.stderr as NodeJS.WriteStream & { isTTY: boolean };
  const [write, wasTTY] = [stderr.write.bind(stderr), stderr.isTTY];
  let written = '';
  stderr.isTTY = isTTY;
  stderr.write = ((chunk: string | Uint8Array) => {
    written += chunk.toString();
    return true;
  }) as typeof stderr.write;
  try {
    fn();
  } finally {
    stderr.write = write;
    stderr.isTTY = wasTTY;
  }
  return written;
}

describe('cli-support', () => {
  const work = (json: boolean) => () => {
    const bar = progressBar('replaying', 3, { json });
    bar.tick();
    bar.tick(2);
    bar.stop();
  };

  it('draws a progress bar on a terminal', () => {
    assert.match(stderrOf(true, work(false)), /replaying \[.*\] \d\/3/);
  });

  it('draws nothing in --json mode or when stderr is not a terminal', () => {
    assert.equal(stderrOf(true, work(true)), '');
    assert.equal(stderrOf(false, work(false)), '');
  });

  it('parses positive integers and refuses anything else as a usage error', () => {
    assert.equal(positiveInteger('12'), 12);
    for (const bad of ['0', '-1', '1.5', 'ten', '']) assert.throws(() => positiveInteger(bad), InvalidArgumentError, bad);
  });

  it('builds query strings from the defined values only, and flattens table cells', () => {
    assert.equal(queryString({ tenantId: 'a b', status: undefined, limit: 5 }), '?tenantId=a+b&limit=5');
    assert.equal(queryString({ status: undefined }), '');
    assert.equal(oneLine('connect\n  ECONNREFUSED   here', 12), 'connect ECO…');
  });
});
