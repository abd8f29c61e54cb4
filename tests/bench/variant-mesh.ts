/**
 * The bench's meshes that lack one thing, to measure what it costs in the same run (bench.ts):
 * `master DIR [no-tickets]` or `peer URL DIR [no-tickets] [no-sync]`, wired as `meshdrive
 * master` and `meshdrive peer` are (apps/cli/src/daemons.ts), except that
 * - no-tickets: the master signs no ticket and the peers check none. The tickets still travel,
 *   the same size as signed ones, so what differs is the signing and the checking alone;
 * - no-sync: the peers' stores never fdatasync (PackStoreOptions.sync), so a seal is confirmed
 *   once written rather than once on stable storage.
 * Nothing in the product can turn either off: only this script does.
 */
import { nodeHasher, nodeRtcEndpoints, PackStore, startMeshPeer, type AccessCheck } from '@meshdrive/core';
import { createMaster, openAccounts, SqliteDirectory, type TicketSource } from '@meshdrive/signal';

/** An Ed25519 signature's base64url length: an unsigned ticket weighs what a signed one does. */
const UNSIGNED = 'A'.repeat(86);

const unsignedTickets: TicketSource = {
  masterKey: 'unsigned',
  write: (client, seg, chain, chunks) => Promise.resolve({ client, seg, chain: [...chain], chunks, exp: Date.now() + 15 * 60_000, sig: UNSIGNED }),
  read: (client, list) => Promise.resolve({ client, list, exp: Date.now() + 15 * 60_000, sig: UNSIGNED }),
};

const openAccess: AccessCheck = {
  trust: () => undefined,
  allowWrite: () => Promise.resolve(Number.MAX_SAFE_INTEGER),
  checkWrite: () => Promise.resolve(),
  allowRead: () => Promise.resolve(),
};

const [role, ...args] = process.argv.slice(2);
const without = new Set(args.filter((arg) => arg.startsWith('no-')));
const [first, second] = args.filter((arg) => !arg.startsWith('no-'));
const joinSecret = process.env.MESHDRIVE_JOIN_SECRET;
if (role === 'master') {
  await createMaster({
    directory: new SqliteDirectory(first!),
    accounts: await openAccounts(first),
    joinSecret,
    port: 0,
    host: '127.0.0.1',
    ...(without.has('no-tickets') ? { tickets: unsignedTickets } : {}),
    log: (line) => process.stdout.write(`${line}\n`),
  });
} else if (role === 'peer') {
  const [url, dir] = [first!, second!];
  const capacity = 10 * 1024 ** 3;
  const peer = await startMeshPeer({
    signalUrl: url,
    store: await PackStore.open(dir, { maxBytes: capacity, sync: !without.has('no-sync') }),
    hasher: nodeHasher,
    createEndpoint: nodeRtcEndpoints(),
    kind: 'node',
    capacity,
    joinSecret,
    ...(without.has('no-tickets') ? { access: openAccess } : {}),
  });
  peer.master.socket.on('connect', () => process.stdout.write(`peer ${peer.id} joined ${url}\n`));
} else {
  process.stderr.write('usage: variant-mesh.ts master DIR [no-tickets] | peer URL DIR [no-tickets] [no-sync]\n');
  process.exit(2);
}
