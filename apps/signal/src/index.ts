/**
 * @meshdrive/signal: the master. It serves socket.io, `/healthz`, `/api/state` and the web app,
 * keeps the directory, places segments and drives heartbeats; file bytes never pass through it.
 * The directory acceptance suite and test helpers are in the `testing` entry.
 *
 * @example
 * const master = await createMaster({ directory: new SqliteDirectory('.meshdrive/master'), port: 7070 });
 * console.log(master.url);
 * await master.close();
 */
export { createMaster, type Master, type MasterOptions } from './create-master.js';
export type { BackupCount, Directory, DropOrder, FileListing, FileRecord, KnownPeer, RemovedFile } from './directory/directory.js';
export { MemoryDirectory } from './directory/memory-directory.js';
export { SqliteDirectory } from './directory/sqlite-directory.js';
export { PgDirectory } from './directory/pg-directory.js';
export { Database } from './postgres/database.js';
export { Cluster } from './cluster/cluster.js';
export { Coordinator } from './cluster/coordinator.js';
export { PgLocks } from './state/pg-locks.js';
export { PgSendLeases } from './state/pg-send-leases.js';
export { Accounts, openAccounts } from './accounts/accounts.js';
export { accountsAuthentication } from './create-master.js';
export { readOrCreatePrivateFile } from './private-file.js';
export type { TicketSource } from './services/tickets.js';
export type { Principal } from './gateway.js';
