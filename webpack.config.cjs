// Used by `nest build` (nest-cli.json → compilerOptions.webpackConfigPath) for every app.
// Starts from Nest's defaults (ts-loader transpileOnly, tsconfig-paths for the @idsync/* aliases,
// node_modules left external so the runtime image installs production deps only) and removes the
// fork-ts-checker plugin: type-checking is `npm run lint`'s job (tsc --noEmit), so a build never
// waits on — or fails because of — type errors in unrelated, in-progress code.
module.exports = (options) => ({
  ...options,
  devtool: 'source-map',
  plugins: (options.plugins ?? []).filter((p) => p?.constructor?.name !== 'ForkTsCheckerWebpackPlugin'),
});
