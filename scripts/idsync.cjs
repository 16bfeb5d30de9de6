#!/usr/bin/env node
// The `idsync` command (package.json "bin"): the operator CLI (apps/cli), run from its TypeScript sources.
require('./register.cjs');
const { runCli, exitWhenFlushed } = require('../apps/cli/src/main.ts');
runCli(process.argv.slice(2)).then(exitWhenFlushed);
