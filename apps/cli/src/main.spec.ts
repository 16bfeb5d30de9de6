import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { buildProgram, runCli } from './main';

// The command tree is the CLI's contract: every command and option is described (so --help is
// useful), every command that prints data takes --json, and docs/CLI.md mentions every command.

/** Commands whose output is already machine-readable without --json (documented in docs/CLI.md). */
const NO_JSON_FLAG = new Set(['idsync audit export']);

const CLI_DOC = fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'docs', 'CLI.md'), 'utf8');

function commandsOf(command: Command, parents: string[] = []): Array<{ path: string; command: Command }> {
  const here = [...parents, command.name()];
  return [{ path: here.join(' '), command }, ...command.commands.flatMap((sub) => commandsOf(sub, here))];
}

describe('idsync command tree', () => {
  const all = commandsOf(buildProgram());
  const leaves = all.filter((c) => c.command.commands.length === 0);

  it('has the groups every operator task needs', () => {
    const groups = buildProgram().commands.map((c) => c.name());
    for (const group of ['tenant', 'token', 'subscription', 'delivery', 'deadletter', 'events', 'status']) assert.ok(groups.includes(group), `idsync ${group}`);
  });

  it('describes every command and every option', () => {
    const undescribed = all.filter((c) => !c.command.description().trim()).map((c) => c.path);
    assert.deepEqual(undescribed, [], 'commands without a description');
    const bareOptions = all.flatMap((c) => c.command.options.filter((o) => !o.description?.trim()).map((o) => `${c.path} ${o.flags}`));
    assert.deepEqual(bareOptions, [], 'options without a description');
  });

  it('gives every command --json', () => {
    const missing = leaves.filter((c) => !NO_JSON_FLAG.has(c.path) && !c.command.options.some((o) => o.long === '--json')).map((c) => c.path);
    assert.deepEqual(missing, [], 'commands without --json');
  });

  it('documents every command in docs/CLI.md', () => {
    const undocumented = leaves.map((c) => c.path).filter((p) => !CLI_DOC.includes(p));
    assert.deepEqual(undocumented, [], 'add these to docs/CLI.md');
    const groups = all.filter((c) => c.command.commands.length > 0 && c.path !== 'idsync').map((c) => c.command.name());
    const noSection = groups.filter((g) => !new RegExp(`^### ${g}\\b`, 'm').test(CLI_DOC));
    assert.deepEqual(noSection, [], 'command groups without a section in docs/CLI.md');
  });

  it('exits 2 on usage errors and 0 for --help, without touching any service', async () => {
    const stderr = process.stderr.write.bind(process.stderr);
    const stdout = process.stdout.write.bind(process.stdout);
    // Commander prints help and errors itself; keep the test output clean.
    process.stderr.write = () => true;
    process.stdout.write = () => true;
    try {
      assert.equal(await runCli(['no-such-command']), 2);
      assert.equal(await runCli(['tenant', 'list', '--no-such-option']), 2);
      assert.equal(await runCli(['token', 'create']), 2, 'missing --tenant');
      assert.equal(await runCli(['delivery', 'list', '--tenant', 't', '--limit', 'zero']), 2, 'invalid option value');
      assert.equal(await runCli(['deadletter', 'redrive']), 2, 'neither --all nor --offset');
      assert.equal(await runCli(['--help']), 0);
      assert.equal(await runCli(['delivery', 'replay', '--help']), 0);
    } finally {
      process.stderr.write = stderr;
      process.stdout.write = stdout;
    }
  });
});
