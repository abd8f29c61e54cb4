/** The connection pool's logic over an in-memory "WebRTC": reuse, glare, drops, dead targets. */
import { describe, expect, it } from 'vitest';
import { MeshError, PeerUnavailableError } from '../errors.js';
import { asPeerId, randomId, type PeerId } from '../ids.js';
import { FrameType } from '../wire/peer-protocol.js';
import type { FrameChannel } from './frame-channel.js';
import { memoryChannelPair } from './memory-channel.js';
import { ConnectionPool, type RtcEndpoint, type Signaling } from './pool.js';

type Signal = { type: 'offer' | 'answer'; token: string };

/** A signaling bus between pools, with a count of offers so tests can see how many dials happened. */
function network() {
  const listeners = new Map<PeerId, (from: PeerId, connectionId: string, data: unknown) => void>();
  const pending = new Map<string, FrameChannel>();
  let offers = 0;
  const signaling = (self: PeerId): Signaling => ({
    sendSignal(to, connectionId, data) {
      const deliver = listeners.get(to);
      if (!deliver) return Promise.reject(new PeerUnavailableError(to, 'not connected to the master'));
      if ((data as Signal).type === 'offer') offers++;
      setTimeout(() => deliver(self, connectionId, data), 1);
      return Promise.resolve();
    },
    onSignal(listener) {
      listeners.set(self, listener);
    },
  });
  const endpoints = (self: PeerId) => ({ initiator, remoteId }: { initiator: boolean; remoteId: PeerId }): RtcEndpoint => {
    let emit: (data: unknown) => void = () => undefined;
    let resolve!: (channel: FrameChannel) => void;
    const connected = new Promise<FrameChannel>((res) => (resolve = res));
    const token = randomId();
    if (initiator) setTimeout(() => emit({ type: 'offer', token } satisfies Signal), 0);
    return {
      connected,
      onSignal: (listener) => (emit = listener),
      destroy: () => undefined,
      signal(data) {
        const signal = data as Signal;
        if (signal.type === 'offer') {
          // The answerer's side talks to the offerer, and the other way round.
          const [answererSide, offererSide] = memoryChannelPair(self, remoteId);
          pending.set(signal.token, offererSide);
          resolve(answererSide);
          emit({ type: 'answer', token: signal.token } satisfies Signal);
        } else {
          const channel = pending.get(signal.token);
          if (channel) resolve(channel);
        }
      },
    };
  };
  const pool = (name: string) => {
    const self = asPeerId(name);
    return new ConnectionPool({
      selfId: self,
      signaling: signaling(self),
      createEndpoint: endpoints(self),
      connectTimeoutMs: 2_000,
      handler: (request) => request.reply({ servedBy: name }),
    });
  };
  return { pool, offers: () => offers };
}

describe('ConnectionPool', () => {
  it('keeps one connection per pair and reuses it', async () => {
    const net = network();
    const a = net.pool('a');
    net.pool('b');
    const first = await a.connect(asPeerId('b'));
    const second = await a.connect(asPeerId('b'));
    expect(second).toBe(first);
    expect((await first.request(FrameType.Get, undefined)).meta).toEqual({ servedBy: 'b' });
    expect(net.offers()).toBe(1);
  });

  it('resolves glare: both sides dialing at once end on one working connection', async () => {
    const net = network();
    const a = net.pool('a');
    const b = net.pool('b');
    const [fromA, fromB] = await Promise.all([a.connect(asPeerId('b')), b.connect(asPeerId('a'))]);
    expect((await fromA.request(FrameType.Get, undefined)).meta).toEqual({ servedBy: 'b' });
    expect((await fromB.request(FrameType.Get, undefined)).meta).toEqual({ servedBy: 'a' });
    expect(a.connectedPeers()).toEqual(['b']);
    expect(b.connectedPeers()).toEqual(['a']);
  });

  it('serves the remote side over a connection it accepted', async () => {
    const net = network();
    const a = net.pool('a');
    const b = net.pool('b');
    await a.connect(asPeerId('b'));
    const back = await b.connect(asPeerId('a'));
    expect((await back.request(FrameType.Get, undefined)).meta).toEqual({ servedBy: 'a' });
    expect(net.offers()).toBe(1);
  });

  it('dials again after a drop and fails fast for an endpoint the master does not know', async () => {
    const net = network();
    const a = net.pool('a');
    net.pool('b');
    const first = await a.connect(asPeerId('b'));
    a.drop(asPeerId('b'), 'test');
    expect(first.closed).toBe(true);
    const second = await a.connect(asPeerId('b'));
    expect(second).not.toBe(first);
    let code: string | undefined;
    try {
      await a.connect(asPeerId('nobody'));
    } catch (error) {
      code = error instanceof MeshError ? error.code : 'other';
    }
    expect(code).toBe('ERR_PEER_UNAVAILABLE');
  });

  it('reaches itself in memory (a tab is both peer and client)', async () => {
    const net = network();
    const a = net.pool('a');
    const self = await a.connect(asPeerId('a'));
    expect((await self.request(FrameType.Get, undefined)).meta).toEqual({ servedBy: 'a' });
    expect(net.offers()).toBe(0);
  });
});
