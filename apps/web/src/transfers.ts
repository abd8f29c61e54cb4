/**
 * Uploads and downloads in flight: progress, speed, time left, cancel, retry. Lives outside
 * the components so a transfer keeps going while the person looks at another view. Uploads
 * queue and run a few at a time; MeshClient already spreads each file's segments over peers.
 */
import { FilePasswordRequiredError, isErrorOf, isRetryable, MasterUnreachableError, WrongFilePasswordError, type FileId, type MeshClient, type TransferProgress } from '@meshdrive/core';
import { fileSource, openSaveTarget } from './browser-io.js';
import { describeError, isAbort } from './messages.js';
import { lastPart } from './folders.js';
import { formatBytes, shortId } from './format.js';
import { MAX_FILE_BYTES, type ReceivedCache } from './received-cache.js';

export const UPLOADS_AT_ONCE = 2;
/** Speed is measured over this trailing window, so it follows the transfer without jitter. */
const SPEED_WINDOW_MS = 3_000;
/** A finished transfer shows its average speed only if it took at least this long and moved at least this much. */
const MIN_AVERAGE_SECONDS = 1;
const MIN_AVERAGE_BYTES = 64 * 1024;

export type TransferKind = 'upload' | 'download';
export type TransferPhase = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
/** Phases a transfer does not leave unless retried. */
export const FINISHED_PHASES: ReadonlySet<TransferPhase> = new Set(['done', 'failed', 'cancelled']);

export interface Transfer {
  readonly id: number;
  readonly kind: TransferKind;
  readonly name: string;
  size: number;
  done: number;
  phase: TransferPhase;
  bytesPerSecond: number;
  secondsLeft: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  /** A passing event worth telling: a peer lost and the retry that follows. */
  note: string | null;
  error: string | null;
  retryable: boolean;
  /** Where a download went ("to disk" streaming, or a Blob download). */
  destination: string | null;
}

interface Job {
  transfer: Transfer;
  controller: AbortController;
  samples: { at: number; done: number }[];
  run: (job: Job) => Promise<void>;
}

/** What transfers need to know of the tab's line to the master, to wait out an outage. */
export interface MasterLink {
  connected(): boolean;
  /** How many times the line has gone down since the tab opened. */
  outages(): number;
  /** Resolves once the line is up; rejects when `signal` aborts. */
  whenConnected(signal: AbortSignal): Promise<void>;
}

/**
 * Asks the person for a file's own password: to read `name` (`wrong` after a wrong one), or to
 * give uploads one. Undefined: they cancelled.
 */
export type AskPassword = (question: { subject: string; purpose: 'read' | 'wrong' | 'choose' }) => Promise<string | undefined>;

/** A transfer waits out at most this many master outages before it fails. */
const MAX_OUTAGES = 20;

export class Transfers extends EventTarget {
  private readonly jobs: Job[] = [];
  private nextId = 1;
  /** Set by the UI: without it a file with a password of its own cannot be downloaded here. */
  askPassword: AskPassword = () => Promise.resolve(undefined);
  /** What this browser received, for downloads that need not move a byte (none: every download reads the mesh). */
  cache: ReceivedCache | undefined;
  /** The fencing token of this tab's lock on a file, which its uploads write under. */
  lockFor: (name: string) => number | undefined = () => undefined;

  constructor(
    private readonly client: () => MeshClient | null,
    private readonly link: MasterLink,
  ) {
    super();
  }

  get list(): readonly Transfer[] {
    return this.jobs.map((job) => job.transfer);
  }

  /** True while any transfer is waiting or moving bytes. */
  get busy(): boolean {
    return this.jobs.some((job) => job.transfer.phase === 'queued' || job.transfer.phase === 'running');
  }

  /**
   * Queues uploads, each under its own name in the mesh (the file's, unless renamed to keep
   * both); with `password`, each gets it as its own password.
   */
  upload(uploads: readonly { file: File; name: string }[], password?: string): void {
    for (const { file, name } of uploads) {
      this.add('upload', name, file.size, async (job) => {
        // After an outage the send goes on under the file id it was placed with: chunks already
        // on their peers do not move again.
        let fileId: FileId | undefined;
        await this.outlastingOutages(job, async () => {
          const client = this.requireClient();
          const lock = this.lockFor(name);
          await client.store(name, fileSource(file), {
            ...(password === undefined ? {} : { password }),
            ...(lock === undefined ? {} : { lock }),
            signal: job.controller.signal,
            fileId,
            onPlaced: (placed) => (fileId = placed),
            onProgress: (progress) => this.progress(job, progress),
          });
        });
      });
    }
    this.pump();
  }

  /**
   * Starts a download now (not queued): the save picker must open inside the click. It saves
   * under the name's last part, as a folder's path is no file name. `ask: false` skips the
   * picker (see openSaveTarget).
   */
  download(name: string, size: number, options: { ask?: boolean; version?: number; owner?: string } = {}): void {
    const job = this.add('download', name, size, async (current) => {
      const client = this.requireClient();
      const target = await openSaveTarget(lastPart(name), options);
      if (!target) throw new DOMException('the save dialog was dismissed', 'AbortError');
      current.transfer.destination = target.streaming ? 'saved to disk as it arrives' : 'saved when complete';
      // The copy this browser has: the version asked for is saved from it, moving nothing; an
      // older one of the same file is what the read starts from, so only what changed moves.
      const wanted = this.cache ? await client.head(name, options.version, options.owner).catch(() => undefined) : undefined;
      const copy = wanted && (await this.cache!.get(name, options.owner).catch(() => undefined));
      if (copy && copy.fileId === wanted.fileId && copy.version === wanted.version) {
        await target.write(new Uint8Array(await copy.bytes.arrayBuffer()));
        await target.finish();
        current.transfer.destination = `up to date: saved from this browser's copy of v${copy.version}; nothing moved`;
        return;
      }
      const base = copy && copy.fileId === wanted.fileId ? fileSource(copy.bytes) : undefined;
      // Kept for the next download of the same version, when small enough to keep.
      const kept: Uint8Array[] | undefined = this.cache && size <= MAX_FILE_BYTES ? [] : undefined;
      const sink = {
        write: async (bytes: Uint8Array): Promise<void> => {
          kept?.push(bytes.slice());
          await target.write(bytes);
        },
      };
      let located: { fileId: string; version: number } | undefined;
      let moved = 0;
      // After an outage the read goes on from the last whole segment written, in the same version.
      let written = 0;
      let version: number | undefined = options.version;
      let password: string | undefined;
      const read = (): Promise<unknown> =>
        this.outlastingOutages(current, () =>
          (this.client() ?? client).read(name, sink, {
            signal: current.controller.signal,
            version,
            resumeAt: written,
            ...(password === undefined ? {} : { password }),
            ...(options.owner === undefined ? {} : { owner: options.owner }),
            ...(base && written === 0 ? { base } : {}),
            onLocated: (manifest) => {
              version = manifest.version;
              located = { fileId: manifest.fileId, version: manifest.version };
            },
            onProgress: (progress) => {
              written = progress.done;
              moved = progress.moved;
              this.progress(current, progress);
            },
          }),
        );
      try {
        // A file with a password of its own fails before a byte is written: ask, and read again.
        for (;;) {
          try {
            await read();
            break;
          } catch (error) {
            if (!isErrorOf(error, FilePasswordRequiredError, WrongFilePasswordError)) throw error;
            password = await this.askPassword({ subject: name, purpose: isErrorOf(error, WrongFilePasswordError) ? 'wrong' : 'read' });
            if (password === undefined) throw new DOMException('no password was given', 'AbortError');
          }
        }
        await target.finish();
      } catch (error) {
        await target.abort().catch(() => undefined);
        throw error;
      }
      if (base) current.transfer.destination += `; moved ${formatBytes(moved)}, the rest was this browser's copy`;
      // Kept in the background: the download is done, and the page is not held up by IndexedDB.
      if (kept && located) void this.cache!.put(name, options.owner, { ...located, size: written, bytes: new Blob(kept as Uint8Array<ArrayBuffer>[]) }).catch(() => undefined);
    });
    this.start(job);
  }

  /** Stops a transfer now: the row greys at once, and the client queues nothing more for it. */
  cancel(id: number): void {
    const job = this.find(id);
    if (!job || (job.transfer.phase !== 'queued' && job.transfer.phase !== 'running')) return;
    job.controller.abort();
    this.finish(job, 'cancelled', null);
  }

  retry(id: number): void {
    const job = this.find(id);
    if (!job || (job.transfer.phase !== 'failed' && job.transfer.phase !== 'cancelled')) return;
    Object.assign(job.transfer, { phase: 'queued', done: 0, error: null, note: null, bytesPerSecond: 0, secondsLeft: null, finishedAt: null });
    job.controller = new AbortController();
    job.samples = [];
    if (job.transfer.kind === 'download') this.start(job);
    else this.pump();
    this.changed();
  }

  dismiss(id: number): void {
    const index = this.jobs.findIndex((job) => job.transfer.id === id);
    if (index < 0 || this.jobs[index]!.transfer.phase === 'running') return;
    this.jobs.splice(index, 1);
    this.changed();
  }

  /** Clears every row that is over: done, cancelled or failed. */
  clearFinished(): void {
    for (let i = this.jobs.length - 1; i >= 0; i--) {
      if (FINISHED_PHASES.has(this.jobs[i]!.transfer.phase)) this.jobs.splice(i, 1);
    }
    this.changed();
  }

  /** The master said a peer went away: running transfers may be retrying around it. */
  peerLost(peer: string, status: string): void {
    for (const job of this.jobs) {
      if (job.transfer.phase !== 'running') continue;
      job.transfer.note = `Peer ${shortId(peer)} went ${status} mid-transfer; continuing with its backup replicas.`;
    }
    this.changed();
  }

  private add(kind: TransferKind, name: string, size: number, run: (job: Job) => Promise<void>): Job {
    const transfer: Transfer = {
      id: this.nextId++,
      kind,
      name,
      size,
      done: 0,
      phase: 'queued',
      bytesPerSecond: 0,
      secondsLeft: null,
      startedAt: null,
      finishedAt: null,
      note: null,
      error: null,
      retryable: false,
      destination: null,
    };
    const job: Job = { transfer, controller: new AbortController(), samples: [], run };
    this.jobs.unshift(job);
    this.changed();
    return job;
  }

  private pump(): void {
    const running = this.jobs.filter((job) => job.transfer.kind === 'upload' && job.transfer.phase === 'running').length;
    const waiting = this.jobs.filter((job) => job.transfer.kind === 'upload' && job.transfer.phase === 'queued').reverse();
    for (const job of waiting.slice(0, Math.max(0, UPLOADS_AT_ONCE - running))) this.start(job);
  }

  private start(job: Job): void {
    Object.assign(job.transfer, { phase: 'running', startedAt: performance.now() });
    this.changed();
    const controller = job.controller;
    job.run(job).then(
      () => {
        if (controller.signal.aborted) return; // cancelled: the row already says so
        job.transfer.done = job.transfer.size;
        this.finish(job, 'done', null);
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        if (isAbort(error)) this.finish(job, 'cancelled', null);
        else this.finish(job, 'failed', error);
      },
    );
  }

  private finish(job: Job, phase: TransferPhase, error: unknown): void {
    const explained = error === null ? null : describeError(error);
    Object.assign(job.transfer, {
      phase,
      finishedAt: performance.now(),
      secondsLeft: null,
      // Only a finished transfer keeps a speed (its average); a stopped one shows none.
      bytesPerSecond: 0,
      error: explained?.message ?? null,
      retryable: phase === 'cancelled' || (explained?.retryable ?? false),
    });
    if (phase === 'done' && job.transfer.startedAt !== null) {
      // A transfer over in a blink, or of a few bytes, has no meaningful speed ("64 B/s average"
      // for 15 bytes): its time is the mesh's round trips, however long a busy machine takes.
      const seconds = (job.transfer.finishedAt! - job.transfer.startedAt) / 1000;
      job.transfer.bytesPerSecond = seconds >= MIN_AVERAGE_SECONDS && job.transfer.size >= MIN_AVERAGE_BYTES ? job.transfer.size / seconds : 0;
    }
    this.changed();
    this.dispatchEvent(new CustomEvent('finished', { detail: job.transfer }));
    if (job.transfer.kind === 'upload') this.pump();
  }

  private progress(job: Job, progress: TransferProgress): void {
    if (job.transfer.phase !== 'running') return;
    const now = performance.now();
    const transfer = job.transfer;
    transfer.done = progress.done;
    transfer.size = progress.total;
    job.samples.push({ at: now, done: progress.done });
    while (job.samples.length > 2 && now - job.samples[0]!.at > SPEED_WINDOW_MS) job.samples.shift();
    const oldest = job.samples[0]!;
    const elapsed = (now - oldest.at) / 1000;
    if (elapsed > 0.2) {
      transfer.bytesPerSecond = (progress.done - oldest.done) / elapsed;
      transfer.secondsLeft = transfer.bytesPerSecond > 0 ? (progress.total - progress.done) / transfer.bytesPerSecond : null;
    }
    this.changed();
  }

  /**
   * Runs `attempt`, and again each time it fails while the master is unreachable, once the
   * master answers again: a transfer waits out an outage instead of failing. The row says so.
   * A failure another try might cure also counts when the line went down during the attempt:
   * a connection to a peer that had to be signalled while the master was away failed for that.
   */
  private async outlastingOutages(job: Job, attempt: () => Promise<unknown>): Promise<void> {
    for (let outages = 0; ; outages++) {
      const linkDowns = this.link.outages();
      if (!this.link.connected()) {
        job.transfer.note = 'Waiting for the master to answer; the transfer goes on when it does.';
        this.changed();
        await this.link.whenConnected(job.controller.signal);
        job.transfer.note = null;
        this.changed();
      }
      try {
        await attempt();
        return;
      } catch (error) {
        const outage = error instanceof MasterUnreachableError || !this.link.connected() || (this.link.outages() > linkDowns && isRetryable(error));
        if (job.controller.signal.aborted || !outage || outages >= MAX_OUTAGES) throw error;
      }
    }
  }

  private find(id: number): Job | undefined {
    return this.jobs.find((job) => job.transfer.id === id);
  }

  private requireClient(): MeshClient {
    const client = this.client();
    if (!client) throw new Error('not connected to the mesh yet');
    return client;
  }

  private changed(): void {
    this.dispatchEvent(new Event('change'));
  }
}
