/**
 * Test helpers of @meshdrive/signal: the acceptance suite every Directory must pass, and a
 * writer of the directory layout before schema 1, to test migrations.
 *
 * @example
 * import { runDirectoryTests } from '@meshdrive/signal/testing';
 * runDirectoryTests('PostgresDirectory', () => PostgresDirectory.connect(url));
 */
export { runDirectoryTests, type DirectoryFactory } from './directory/directory-acceptance.js';
export { rewriteAsLegacyDirectory, writeLegacyDirectory, type LegacyDirectory, type LegacyManifest } from './directory/legacy-layout.js';
export { signUp } from './accounts/test-accounts.js';
