/**
 * A peer cut off from the mesh (issue 17): it runs in a network namespace of its own, joined to
 * the test's by a veth pair, and the link is taken down. It is dead after the grace, its segments
 * are copied again elsewhere, and the file reads back meanwhile; when the link comes back, the
 * peer with its old data is reconciled (its replaced copies dropped) and never read from for them.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestMesh, waitFor, type PeerProcess } from './harness.js';

const NAMESPACE = `meshdrive-cut-${process.pid}`;
/** The test's end of the link, where the master listens too, and the cut-off peer's end. */
const HERE = '10.78.0.1';
const THERE = '10.78.0.2';
const MIB = 1024 * 1024;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

describe('a peer whose link goes down', () => {
  let mesh: TestMesh;
  let remote: PeerProcess;

  beforeAll(async () => {
    mesh = await TestMesh.start({ peers: 3, masterArgs: ['--host', '0.0.0.0'] });
    try { ip('netns', 'del', NAMESPACE); } catch { /* not there */ }
    ip('netns', 'add', NAMESPACE);
    ip('-n', NAMESPACE, 'link', 'set', 'lo', 'up');
    ip('link', 'add', 'cut0', 'type', 'veth', 'peer', 'name', 'cut1', 'netns', NAMESPACE);
    ip('addr', 'add', `${HERE}/24`, 'dev', 'cut0');
    ip('link', 'set', 'cut0', 'up');
    ip('-n', NAMESPACE, 'addr', 'add', `${THERE}/24`, 'dev', 'cut1');
    ip('-n', NAMESPACE, 'link', 'set', 'cut1', 'up');
    ip('-n', NAMESPACE, 'route', 'add', 'default', 'via', HERE);
    remote = await mesh.startPeer(undefined, '1GiB', [], { netns: NAMESPACE, signal: `http://${HERE}:${mesh.port}` });
    await mesh.waitForOnline(mesh.peers.map((peer) => peer.id));
  }, 120_000);

  afterAll(async () => {
    await mesh?.close();
    try { ip('netns', 'del', NAMESPACE); } catch { /* already gone */ }
  });

  it('is dead after the grace, healed around, and reconciled when it comes back with old data', async () => {
    const file = mesh.writeFile(8 * MIB, 'far.bin');
    const sent = await mesh.cli(['send', file.path]);
    expect(sent.code, `${sent.stderr}\n${mesh.describe()}`).toBe(0);
    const before = await mesh.locate('far.bin');
    // 4 peers, 3 copies, 8 segments: the far peer holds some (all but certainly).
    expect(before.manifest.segments.some((segment) => segment.holders.includes(remote.id))).toBe(true);

    ip('link', 'set', 'cut0', 'down');
    try {
      await mesh.waitForStatus(remote.id, 'dead');
      await waitFor('every segment back to 3 live copies without the far peer', async () => {
        const { manifest, status } = await mesh.locate('far.bin');
        const healed = manifest.segments.every((segment) => !segment.holders.includes(remote.id) && segment.holders.filter((holder) => status[holder] === 'online').length === 3);
        return healed ? manifest : undefined;
      }, 60_000, () => mesh.describe());
      const out = mesh.outPath('far-cut.bin');
      const received = await mesh.cli(['receive', 'far.bin', '--out', out]);
      expect(received.code, received.stderr).toBe(0);
      expect(readFileSync(out).equals(file.bytes)).toBe(true);
    } finally {
      ip('link', 'set', 'cut0', 'up');
    }

    // Back, with its old copies: on its old socket or a new one, the master has it drop them.
    await mesh.waitForStatus(remote.id, 'online', 60_000);
    await mesh.master.waitForOutput(new RegExp(`peer ${remote.id.slice(0, 8)} dropped \\d+ segments`), 30_000);
    const out = mesh.outPath('far-back.bin');
    const received = await mesh.cli(['receive', 'far.bin', '--out', out]);
    expect(received.code, received.stderr).toBe(0);
    expect(readFileSync(out).equals(file.bytes)).toBe(true);
  }, 180_000);
});
