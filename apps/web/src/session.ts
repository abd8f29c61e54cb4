/**
 * The tab's life on the mesh, kept outside the components: opens the IndexedDB store, joins
 * as a storage peer (or only as a client once the person stops contributing), polls the
 * master for the network view and the browser for storage usage. Components listen for
 * 'change' and read `state`.
 */
import {
  browserHasher,
  browserRtcEndpoints,
  IdbStore,
  MAX_LABEL_CHARS,
  createClient,
  loadPeerIdentity,
  openClientLink,
  startMeshPeer,
  type MasterConnection,
  type MeshClient,
  type MeshPeerOptions,
  type MeshPeer,
  type MeshState,
  type PeerId,
  type PeerIdentity,
  type StoreStats,
  type TokenSource,
  type Sealing,
  KeysMissingError,
} from '@meshdrive/core';
import { describeError } from './messages.js';
import { PeerRole, type HolderAction } from './peer-role.js';

export const STATUS_POLL_MS = 1_000;
export const ESTIMATE_POLL_MS = 5_000;
export const DEFAULT_CAPACITY_BYTES = 1024 ** 3;
const CAPACITY_META_KEY = 'ui:capacity';
const CONTRIBUTING_META_KEY = 'ui:contributing';
const DEVICE_NAME_META_KEY = 'ui:device-name';

export type MasterLink = 'connecting' | 'connected' | 'unreachable';

export interface SessionState {
  masterUrl: string;
  /**
   * 'peer': this tab holds this browser's storage peer; 'client': another tab of this browser
   * does, and this one uploads and downloads, showing that peer's state.
   */
  role: 'peer' | 'client';
  peerId: PeerId | null;
  /** True while this tab stores chunks for the mesh. */
  contributing: boolean;
  link: MasterLink;
  linkError: string | null;
  capacity: number;
  /** The name the person gave this browser's peer; '' for none, and the mesh shows `device`. */
  deviceName: string;
  /** What this browser is ("Chromium on Linux"): how the mesh knows a peer nobody named. */
  device: string;
  stats: StoreStats;
  usage: number | null;
  quota: number | null;
  /** Whether the browser promised not to evict this site's storage (null: not asked yet). */
  persisted: boolean | null;
  mesh: MeshState | null;
  fatal: string | null;
}

/** What the client side of the tab is connected through: the peer's own link, or a client-only one. */
interface Link {
  master: MasterConnection;
  close(): Promise<void>;
}

export class MeshSession extends EventTarget {
  state: SessionState;
  client: MeshClient | null = null;
  /** How many times the line to the master went down: a transfer that failed across one tries again. */
  outages = 0;
  private store: IdbStore | null = null;
  private peer: MeshPeer | null = null;
  private link: Link | null = null;
  /** What the storage peer reads at every heartbeat: changes reach the master without a rejoin. */
  private readonly peerOptions: { capacity: number; deviceName: string };
  /** The peer's key pair, loaded from the store once it is held; the peer joins with it. */
  private identity: PeerIdentity | undefined;
  private timers: ReturnType<typeof setInterval>[] = [];
  private switching: Promise<void> = Promise.resolve();
  private readonly role = new PeerRole();

  /** `token`: the logged-in person's access token, asked at every join: the tab peers and transfers under their account. */
  constructor(
    masterUrl: string,
    private readonly token: TokenSource,
    /** The person's keys: files are sealed in this tab. Null only on a page that cannot join (not a secure context). */
    private readonly sealing: Sealing | null,
  ) {
    super();
    this.peerOptions = { capacity: DEFAULT_CAPACITY_BYTES, deviceName: '' };
    this.state = {
      masterUrl,
      role: 'peer',
      peerId: null,
      contributing: true,
      link: 'connecting',
      linkError: null,
      capacity: DEFAULT_CAPACITY_BYTES,
      deviceName: '',
      device: browserLabel(),
      stats: { chunks: 0, bytes: 0 },
      usage: null,
      quota: null,
      persisted: null,
      mesh: null,
      fatal: null,
    };
  }

  async start(): Promise<void> {
    if (!window.isSecureContext) {
      // WebCrypto (chunk hashing) and persistent storage exist only in secure contexts.
      this.update({ fatal: `browsers allow WebCrypto only on https:// or localhost pages, and ${location.origin} is neither. Serve the master behind HTTPS or open it through localhost.` });
      return;
    }
    try {
      this.followPeerRole();
      if (!PeerRole.supported || (await this.role.tryHold())) {
        await this.holdPeer();
      } else {
        // Another tab of this browser holds the peer: be a client until it closes.
        this.update({ role: 'client' });
        await this.joinAsClient(false);
        this.role.askForState();
        this.role.waitToHold().then(
          () => this.takeOverPeer(),
          (error: unknown) => this.update({ linkError: `cannot take the peer over when its tab closes: ${describeError(error).message}` }),
        );
      }
    } catch (error) {
      this.update({ fatal: describeError(error).message });
      return;
    }
    void this.requestPersistence();
    void this.refreshEstimate();
    this.timers.push(setInterval(() => void this.refresh(), STATUS_POLL_MS));
    this.timers.push(setInterval(() => void this.refreshEstimate(), ESTIMATE_POLL_MS));
    void this.refresh();
  }

  /** Offers `bytes` to the mesh: enforced by the store at once, reported in the next heartbeat. */
  async setCapacity(bytes: number): Promise<void> {
    if (this.state.role === 'client') return this.role.ask({ action: 'capacity', bytes });
    this.peerOptions.capacity = bytes;
    this.update({ capacity: bytes });
    await this.store?.setMeta(CAPACITY_META_KEY, String(bytes));
  }

  /**
   * Names this browser's peer for every tab of it: trimmed, at most MAX_LABEL_CHARS, '' for none.
   * Kept in IndexedDB and reported in the next heartbeat.
   */
  async setDeviceName(name: string): Promise<void> {
    const cleaned = name.trim().slice(0, MAX_LABEL_CHARS).trim();
    if (this.state.role === 'client') return this.role.ask({ action: 'name', name: cleaned });
    this.peerOptions.deviceName = cleaned;
    this.update({ deviceName: cleaned });
    await this.store?.setMeta(DEVICE_NAME_META_KEY, cleaned);
  }

  /**
   * Leaves the ring but keeps the chunks in IndexedDB: files keep their other copies (nothing
   * re-replicates yet), the mesh shows this peer paused, and resuming brings the chunks back.
   */
  stopContributing(): Promise<void> {
    if (this.state.role === 'client') return Promise.resolve(this.role.ask({ action: 'stop' }));
    return this.switchMode(false);
  }

  resumeContributing(): Promise<void> {
    if (this.state.role === 'client') return Promise.resolve(this.role.ask({ action: 'resume' }));
    return this.switchMode(true);
  }

  /** Retries the master now instead of waiting for the next automatic attempt. */
  reconnect(): void {
    const socket = this.link?.master.socket;
    if (!socket || socket.connected) return;
    this.update({ link: 'connecting' });
    socket.disconnect();
    socket.connect();
  }

  async refresh(): Promise<void> {
    const client = this.client;
    if (this.store) {
      try {
        this.update({ stats: await this.store.stats() });
      } catch {
        // The store is being swapped (stop/resume); the next poll reads the new one.
      }
    }
    if (!client || this.state.link !== 'connected') return;
    try {
      this.update({ mesh: await client.status() });
    } catch (error) {
      this.update({ linkError: describeError(error).message });
    }
  }

  /** Calls `listener` whenever the master says a peer went stale or dead. */
  onPeerLost(listener: (peer: PeerId, status: string) => void): void {
    this.addEventListener('peer-lost', (event) => {
      const { peer, status } = (event as CustomEvent<{ peer: PeerId; status: string }>).detail;
      listener(peer, status);
    });
  }

  /** Resolves once the tab's line to the master is up (at once if it is), or rejects when `signal` aborts. */
  whenConnected(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const settle = (outcome: () => void): void => {
        this.removeEventListener('change', check);
        signal?.removeEventListener('abort', check);
        outcome();
      };
      const check = (): void => {
        if (signal?.aborted) settle(() => reject(signal.reason as Error));
        else if (this.state.link === 'connected' && this.client) settle(resolve);
      };
      this.addEventListener('change', check);
      signal?.addEventListener('abort', check, { once: true });
      check();
    });
  }

  get master(): MasterConnection | null {
    return this.link?.master ?? null;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await this.link?.close();
  }

  /** This tab holds the peer: open the store, load the peer's id and settings, join. */
  private async holdPeer(): Promise<void> {
    this.store = await this.openStore();
    this.identity = await loadPeerIdentity(this.store);
    const peerId = this.identity.id;
    const savedCapacity = Number(await this.store.getMeta(CAPACITY_META_KEY));
    this.peerOptions.capacity = Number.isFinite(savedCapacity) && savedCapacity > 0 ? savedCapacity : DEFAULT_CAPACITY_BYTES;
    this.peerOptions.deviceName = (await this.store.getMeta(DEVICE_NAME_META_KEY)) ?? '';
    const contributing = (await this.store.getMeta(CONTRIBUTING_META_KEY)) !== 'no';
    const { capacity, deviceName } = this.peerOptions;
    this.update({ role: 'peer', peerId, capacity, deviceName, contributing, stats: await this.store.stats() });
    if (contributing) await this.joinAsPeer();
    else await this.joinAsClient(true);
  }

  /** The holder tab closed and this one got the lock: leave the client link and hold the peer, same id. */
  private takeOverPeer(): Promise<void> {
    this.switching = this.switching.then(async () => {
      await this.link?.close();
      this.link = null;
      this.client = null;
      try {
        await this.holdPeer();
      } catch (error) {
        this.update({ fatal: describeError(error).message });
      }
      void this.refresh();
    });
    return this.switching;
  }

  /** The holder tells the other tabs its state and does what they ask; the others show it. */
  private followPeerRole(): void {
    this.role.onMessage({
      hello: () => this.publishPeerState(),
      state: (state) => {
        if (this.state.role === 'client') this.update({ ...state });
      },
      act: (request) => {
        if (this.state.role !== 'peer') return;
        this.actFor(request).catch((error: unknown) => this.update({ linkError: describeError(error).message }));
      },
    });
  }

  /** Holder: does what another tab asked. */
  private actFor(request: HolderAction): Promise<void> {
    switch (request.action) {
      case 'capacity':
        return this.setCapacity(request.bytes);
      case 'name':
        return this.setDeviceName(request.name);
      case 'stop':
        return this.switchMode(false);
      case 'resume':
        return this.switchMode(true);
    }
  }

  private publishPeerState(): void {
    if (this.state.role !== 'peer') return;
    const { peerId, contributing, capacity, deviceName, stats } = this.state;
    this.role.publish({ peerId, contributing, capacity, deviceName, stats });
  }

  private switchMode(contributing: boolean): Promise<void> {
    this.switching = this.switching.then(async () => {
      if (this.state.contributing === contributing && this.link) return;
      await this.link?.close();
      this.link = null;
      this.client = null;
      this.store = await this.openStore();
      await this.store.setMeta(CONTRIBUTING_META_KEY, contributing ? 'yes' : 'no');
      this.update({ contributing, mesh: this.state.mesh });
      if (contributing) await this.joinAsPeer();
      else await this.joinAsClient(true);
    });
    return this.switching;
  }

  /** Never a client without keys: its files would leave this tab in clear. */
  private keys(): Sealing {
    if (!this.sealing) throw new KeysMissingError('this page has no keys: log in again');
    return this.sealing;
  }

  private openStore(): Promise<IdbStore> {
    return IdbStore.open({ capacityBytes: () => this.peerOptions.capacity });
  }

  private async joinAsPeer(): Promise<void> {
    const store = this.store ?? (await this.openStore());
    const options: MeshPeerOptions = {
      signalUrl: this.state.masterUrl,
      store,
      hasher: browserHasher,
      createEndpoint: browserRtcEndpoints(),
      kind: 'browser',
      token: this.token,
      capacity: this.peerOptions.capacity,
      label: this.peerOptions.deviceName || undefined,
      device: this.state.device,
      identity: this.identity,
    };
    // startMeshPeer reads `capacity` and `label` from this object on every heartbeat, so a new
    // offer or name reaches the master without leaving and rejoining the ring.
    Object.defineProperty(options, 'capacity', { get: () => this.peerOptions.capacity, enumerable: true });
    Object.defineProperty(options, 'label', { get: () => this.peerOptions.deviceName || undefined, enumerable: true });
    const peer = await startMeshPeer(options);
    this.peer = peer;
    this.client = createClient({ master: peer.master, connect: (remote) => peer.pool.connect(remote), hasher: browserHasher, sealing: this.keys() });
    this.watch(peer.master);
    this.link = {
      master: peer.master,
      close: async () => {
        this.peer = null;
        await peer.close(); // closes the store too
        this.store = null;
      },
    };
  }

  /** `pausing`: this tab holds the peer and stopped contributing, so the mesh shows the peer paused. */
  private async joinAsClient(pausing: boolean): Promise<void> {
    const link = await openClientLink({
      signalUrl: this.state.masterUrl,
      kind: 'browser',
      token: this.token,
      label: browserLabel(),
      createEndpoint: browserRtcEndpoints(),
      hasher: browserHasher,
      sealing: this.keys(),
      pauses: pausing ? (this.state.peerId ?? undefined) : undefined,
    });
    this.client = link.client;
    this.watch(link.master);
    this.link = {
      master: link.master,
      close: () => {
        link.close();
        return Promise.resolve();
      },
    };
  }

  private watch(master: MasterConnection): void {
    const socket = master.socket;
    const isCurrent = (): boolean => this.link?.master === master || this.link === null;
    this.update({ link: socket.connected ? 'connected' : 'connecting' });
    socket.on('connect', () => {
      if (!isCurrent()) return;
      this.update({ link: 'connected', linkError: null });
      void this.refresh();
    });
    socket.on('disconnect', () => {
      if (!isCurrent()) return;
      this.outages++;
      this.update({ link: 'connecting' });
    });
    socket.on('connect_error', (error) => {
      if (isCurrent()) this.update({ link: 'unreachable', linkError: error.message });
    });
    socket.on('peer-status', (change) => {
      if (!change || (change.status === 'online' && change.connected !== false)) return;
      // Only a peer that was serving a moment ago can have broken a transfer.
      const known = this.state.mesh?.peers.find((peer) => peer.id === change.id);
      if (known?.status !== 'online') return;
      const status = change.status === 'online' ? 'offline' : change.status;
      this.dispatchEvent(new CustomEvent('peer-lost', { detail: { peer: change.id, status } }));
      void this.refresh();
    });
  }

  private async requestPersistence(): Promise<void> {
    try {
      const already = await navigator.storage.persisted();
      this.update({ persisted: already || (await navigator.storage.persist()) });
    } catch {
      this.update({ persisted: false });
    }
  }

  private async refreshEstimate(): Promise<void> {
    try {
      const estimate = await navigator.storage.estimate();
      this.update({ usage: estimate.usage ?? null, quota: estimate.quota ?? null });
    } catch {
      // Some browsers (or private windows) have no estimate; the panel says so.
    }
  }

  private update(patch: Partial<SessionState>): void {
    this.state = { ...this.state, ...patch };
    this.dispatchEvent(new Event('change'));
    if ('peerId' in patch || 'contributing' in patch || 'capacity' in patch || 'deviceName' in patch || 'stats' in patch) this.publishPeerState();
  }
}

/** A short, human label for the network view ("Chrome on Linux"). */
function browserLabel(): string {
  const agent = navigator.userAgent;
  const browser = /Firefox\//.test(agent) ? 'Firefox' : /Edg\//.test(agent) ? 'Edge' : /Chrom(e|ium)\//.test(agent) ? 'Chromium' : /Safari\//.test(agent) ? 'Safari' : 'Browser';
  const os = /Android/.test(agent) ? 'Android' : /iPhone|iPad/.test(agent) ? 'iOS' : /Mac OS X/.test(agent) ? 'macOS' : /Windows/.test(agent) ? 'Windows' : /Linux/.test(agent) ? 'Linux' : '';
  return os ? `${browser} on ${os}` : browser;
}
