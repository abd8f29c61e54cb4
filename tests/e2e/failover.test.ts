/**
 * SIGKILL a file's primary and read it anyway: from the CLI after the kill, from a client that
 * still trusts its cached placement (so it tries the dead primary first), and in the middle of
 * reading a multi-segment file.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, memorySink, type ConnectedClient } from '@meshdrive/core';
import { TestMesh, type PeerProcess } from './harness.js';

const MIB = 1024 * 1024;
/** 9 segments of 1 MiB (1024 chunks of 1 KiB), the last one short. */
const MULTI_SIZE = 8 * MIB + 123;

describe('SIGKILL of a primary', () => {
  let mesh: TestMesh;
  let small: Buffer;
  let multi: Buffer;
  const clients: ConnectedClient[] = [];

  beforeAll(async () => {
    mesh = await TestMesh.start({ peers: 3 });
    const smallFile = mesh.writeFile(5000, 'small.bin');
    const multiFile = mesh.writeFile(MULTI_SIZE, 'multi.bin');
    small = smallFile.bytes;
    multi = multiFile.bytes;
    for (const path of [smallFile.path, multiFile.path]) {
      const sent = await mesh.cli(['send', path]);
      expect(sent.code, sent.stderr).toBe(0);
    }
  }, 120_000);

  afterAll(async () => {
    for (const connected of clients) connected.close();
    await mesh?.close();
  });

  /** Kills `peer` with SIGKILL; returns a function that restarts it from its data directory. */
  async function killPeer(peer: PeerProcess): Promise<() => Promise<void>> {
    await peer.daemon.kill('SIGKILL');
    return async () => {
      const again = await mesh.startPeer(peer.dataDir);
      expect(again.id).toBe(peer.id);
      await mesh.waitForOnline(mesh.peers.map((known) => known.id));
    };
  }

  async function client(): Promise<ConnectedClient> {
    const connected = await connectClient({ signalUrl: mesh.url, token: mesh.token, sealing: await mesh.sealing() });
    clients.push(connected);
    return connected;
  }

  it('receive reads a one-segment file from a backup', async () => {
    const { manifest } = await mesh.locate('small.bin');
    expect(manifest.segments).toHaveLength(1);
    const holders = manifest.segments[0]!.holders;
    expect(new Set(holders).size).toBe(3);
    const restart = await killPeer(mesh.peer(holders[0]!));

    const out = mesh.outPath('small.bin');
    const received = await mesh.cli(['receive', 'small.bin', '--out', out]);
    expect(received.code, `${received.stderr}\n${mesh.describe()}`).toBe(0);
    expect(readFileSync(out).equals(small)).toBe(true);

    const multiOut = mesh.outPath('multi.bin');
    const receivedMulti = await mesh.cli(['receive', 'multi.bin', '--out', multiOut]);
    expect(receivedMulti.code, `${receivedMulti.stderr}\n${mesh.describe()}`).toBe(0);
    expect(readFileSync(multiOut).equals(multi)).toBe(true);
    await restart();
  }, 120_000);

  it('a client with a cached placement fails over from the dead primary it tries first', async () => {
    const { client: reader } = await client();
    // The first read caches the placement (all holders online) and opens connections to them.
    const warm = memorySink();
    await reader.read('small.bin', warm);
    expect(Buffer.from(warm.bytes()).equals(small)).toBe(true);

    const { manifest } = await mesh.locate('small.bin');
    const restart = await killPeer(mesh.peer(manifest.segments[0]!.holders[0]!));
    const sink = memorySink();
    await reader.read('small.bin', sink);
    expect(Buffer.from(sink.bytes()).equals(small)).toBe(true);
    await restart();
  }, 120_000);

  it('a read of a multi-segment file survives its primary dying mid-file', async () => {
    const { manifest } = await mesh.locate('multi.bin');
    expect(manifest.segments).toHaveLength(9);
    // The victim is the peer that is primary of the most segments after the first.
    const primaries = manifest.segments.slice(1).map((segment) => segment.holders[0]!);
    const victimId = [...new Set(primaries)].sort((a, b) => primaries.filter((p) => p === b).length - primaries.filter((p) => p === a).length)[0]!;
    const victim = mesh.peer(victimId);

    const { client: reader } = await client();
    const collected = memorySink();
    let restart: (() => Promise<void>) | undefined;
    let writes = 0;
    await reader.read('multi.bin', {
      async write(bytes) {
        await collected.write(bytes);
        // After the first segment is on the sink, later ones are in flight or not yet asked for.
        if (++writes === 1) restart = await killPeer(victim);
      },
    });
    expect(writes).toBe(9);
    expect(victim.daemon.alive).toBe(false);
    expect(Buffer.from(collected.bytes()).equals(multi), 'multi.bin came back different').toBe(true);
    await restart!();

    // The mesh is whole again: the restarted peer serves the file too.
    const out = mesh.outPath('multi.bin');
    const received = await mesh.cli(['receive', 'multi.bin', '--out', out]);
    expect(received.code, received.stderr).toBe(0);
    expect(readFileSync(out).equals(multi)).toBe(true);
  }, 120_000);
});
