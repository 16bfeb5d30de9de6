// Runs TypeScript sources directly (tests, CLI, benches): SWC transpiles with decorator metadata
// (Nest's DI needs it), and tsconfig "paths" resolve the @idsync/* aliases.
process.env.SWC_NODE_PROJECT = process.env.SWC_NODE_PROJECT || require('node:path').join(__dirname, '..', 'tsconfig.json');
require('@swc-node/register');
