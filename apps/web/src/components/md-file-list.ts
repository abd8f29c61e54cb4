/**
 * The files in the mesh, one folder at a time: name, size, version, date and replica health,
 * sortable by column, with preview, download, details (versions, lock, sharing) and delete per
 * file, and download and delete for a selection of many. Files other users shared show whose
 * they are; locked files, who holds the lock. A filter (a part of a name, or a glob such as
 * `*.jpg`) searches every folder at once.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { nameMatcher, type FileSummary } from '@meshdrive/core';
import { formatBytes, formatDate } from '../format.js';
import {
  FIRST_DIRECTION, NEWEST_FIRST, ROOT_FOLDER, filesUnder, folderTrail, lastPart, listFolder, nearestFolder, sortFiles, sortFolders,
  type FolderSummary, type SortKey, type SortOrder,
} from '../folders.js';
import { sharedStyles } from './shared-styles.js';

/** `owner`: the user who shared the file, for a file that is not the viewer's own. */
export type FileActionEvent = CustomEvent<{ name: string; size: number; action: FileAction; owner?: string }>;
export type FileAction = 'preview' | 'download' | 'delete' | 'details';
/** The same for the files selected: each is downloaded or deleted. */
export type FilesActionEvent = CustomEvent<{ files: { name: string; size: number; owner?: string }[]; action: 'download' | 'delete' }>;

/** What the table shows now. */
interface ListView {
  /** Every file a row stands for: all under the open folder, or every match of the filter. Select all selects these. */
  readonly scope: FileSummary[];
  readonly folders: FolderSummary[];
  readonly files: FileSummary[];
  /** The filter is on: rows are matches from every folder, named in full. */
  readonly searching: boolean;
}

/** The columns after the checkbox and before the actions; those with a key sort. */
const COLUMNS: { label: string; key?: SortKey }[] = [
  { label: 'Name', key: 'name' },
  { label: 'Size', key: 'size' },
  { label: 'Version' },
  { label: 'Stored', key: 'stored' },
  { label: 'Replicas', key: 'replicas' },
];
/** The key of the selection bar's Delete while armed; a row's is `file:` and the name. */
const SELECTION_DELETE = 'selection';

/** A delete needs a second press within this long. */
const DELETE_CONFIRM_MS = 4_000;

@customElement('md-file-list')
export class MdFileList extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      header {
        display: flex;
        align-items: center;
        gap: 0.75rem;
        flex-wrap: wrap;
        margin-bottom: 0.75rem;
      }
      header h2 {
        margin: 0;
        flex: 1;
      }
      input[type='search'] {
        font: inherit;
        padding: 0.4rem 0.6rem;
        border-radius: 8px;
        border: 1px solid var(--border);
        min-width: 0;
        width: 14rem;
        max-width: 100%;
        background: var(--surface);
        color: var(--text);
      }
      input[type='checkbox'] {
        width: 1.1rem;
        height: 1.1rem;
        margin: 0;
        accent-color: var(--accent);
        cursor: pointer;
        vertical-align: middle;
      }
      .trail ol {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        list-style: none;
        margin: 0 0 0.6rem;
        padding: 0;
      }
      .trail li + li::before {
        content: '›';
        margin: 0 0.45rem;
        color: var(--text-muted);
      }
      .trail [aria-current] {
        color: var(--text-muted);
      }
      .where {
        margin: 0 0 0.6rem;
      }
      .selection {
        display: flex;
        align-items: center;
        gap: 0.5rem;
        flex-wrap: wrap;
        padding: 0.5rem 0.75rem;
        margin-bottom: 0.6rem;
        border: 1px solid var(--accent);
        border-radius: 12px;
        background: var(--accent-soft);
      }
      .selection .summary {
        font-weight: 600;
        margin-right: auto;
      }
      table {
        width: 100%;
        border-collapse: collapse;
        background: var(--surface);
        border: 1px solid var(--border);
        border-radius: 12px;
        overflow: hidden;
      }
      th,
      td {
        text-align: left;
        padding: 0.55rem 0.75rem;
        border-bottom: 1px solid var(--border);
        vertical-align: middle;
      }
      th {
        font-size: 0.78rem;
        text-transform: uppercase;
        letter-spacing: 0.04em;
        color: var(--text-muted);
        font-weight: 600;
        background: var(--surface-muted);
      }
      th.check,
      td.check {
        width: 1px;
        padding-right: 0;
      }
      button.sort {
        font: inherit;
        color: inherit;
        text-transform: inherit;
        letter-spacing: inherit;
        background: none;
        border: none;
        padding: 0;
        min-height: 0;
        display: inline-flex;
        gap: 0.3rem;
        align-items: center;
      }
      button.sort:hover {
        color: var(--accent);
      }
      th[aria-sort='ascending'] button.sort,
      th[aria-sort='descending'] button.sort {
        color: var(--text);
      }
      .arrow {
        font-size: 0.65rem;
      }
      tr:last-child td {
        border-bottom: none;
      }
      tr.selected td {
        background: var(--accent-soft);
      }
      td.name {
        font-weight: 600;
        word-break: break-word;
      }
      td.num {
        white-space: nowrap;
      }
      button.link {
        font: inherit;
        font-weight: 600;
        color: inherit;
        background: none;
        border: none;
        padding: 0;
        text-align: left;
        cursor: pointer;
        word-break: break-word;
        white-space: normal;
      }
      button.link:hover {
        color: var(--accent);
        text-decoration: underline;
      }
      .icon {
        width: 1.15rem;
        height: 1.15rem;
        color: var(--accent);
        vertical-align: -0.2rem;
        margin-right: 0.4rem;
      }
      .count {
        font-weight: 400;
        font-size: 0.85rem;
        margin-left: 0.4rem;
      }
      td.actions {
        text-align: right;
        white-space: nowrap;
      }
      td.actions button + button {
        margin-left: 0.35rem;
      }
      .empty {
        padding: 2rem 1rem;
        text-align: center;
        background: var(--surface);
        border: 1px dashed var(--border-strong);
        border-radius: 12px;
      }
      .empty p {
        margin: 0 0 0.75rem;
      }
      .empty p:last-child {
        margin: 0;
      }
      .empty .icon {
        display: block;
        width: 36px;
        height: 36px;
        margin: 0 auto 0.5rem;
      }
      @media (max-width: 640px) {
        table,
        thead,
        tbody,
        tr,
        td {
          display: block;
          width: 100%;
        }
        table {
          border: none;
          background: none;
        }
        /* The header row becomes a bar: select all, and the sort buttons. */
        thead tr {
          display: flex;
          flex-wrap: wrap;
          align-items: center;
          gap: 0.25rem 1rem;
          padding: 0 0.75rem 0.6rem;
        }
        th {
          background: none;
          border: none;
          padding: 0;
        }
        th.plain {
          display: none;
        }
        th.check {
          width: auto;
        }
        .selection .summary {
          flex-basis: 100%;
        }
        /* Each file a card, its checkbox in the top left corner. */
        tbody tr {
          position: relative;
          background: var(--surface);
          border: 1px solid var(--border);
          border-radius: 12px;
          margin-bottom: 0.6rem;
          padding: 0.6rem 0.75rem 0.6rem 2.6rem;
          display: grid;
          grid-template-columns: 1fr auto;
          gap: 0.2rem 0.5rem;
        }
        tbody tr.selected {
          background: var(--accent-soft);
          border-color: var(--accent);
        }
        tr.selected td {
          background: none;
        }
        td {
          border: none;
          padding: 0;
        }
        td.check {
          position: absolute;
          left: 0.75rem;
          top: 0.7rem;
          width: auto;
        }
        input[type='checkbox'] {
          width: 1.3rem;
          height: 1.3rem;
        }
        td.name {
          grid-column: 1 / -1;
        }
        td.num {
          font-size: 0.85rem;
          color: var(--text-muted);
        }
        td.num::before {
          content: attr(data-label) ': ';
        }
        /* A folder has no version, replicas or actions of its own. */
        td:empty {
          display: none;
        }
        td.actions {
          grid-column: 1 / -1;
          text-align: left;
          margin-top: 0.35rem;
        }
      }
    `,
  ];

  @property({ attribute: false }) files: readonly FileSummary[] = [];
  /** False until the first list arrives, so an empty mesh is not confused with loading. */
  @property({ type: Boolean }) loaded = false;
  /** The tab cannot join the mesh at all, so no list will come. */
  @property({ type: Boolean }) unavailable = false;
  @state() private filter = '';
  @state() private folder = ROOT_FOLDER;
  @state() private order: SortOrder = NEWEST_FIRST;
  /** Names of the files checked; only ever files the view covers. */
  @state() private selected: ReadonlySet<string> = new Set();
  /** The Delete waiting for its second press: `file:<name>` for a row's, SELECTION_DELETE for the selection's. */
  @state() private armed: string | null = null;
  @query('#files-title') private heading!: HTMLElement;
  @query('#filter') private filterInput!: HTMLInputElement;
  @query('.trail [aria-current]') private currentCrumb!: HTMLElement | null;
  private view: ListView = { scope: [], folders: [], files: [], searching: false };
  private disarmTimer: ReturnType<typeof setTimeout> | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('keydown', this.onKeydown);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.removeEventListener('keydown', this.onKeydown);
    clearTimeout(this.disarmTimer);
    this.armed = null;
  }

  /** Works out the rows; an open folder whose files all went gives way to its nearest parent, and the selection drops what left the view. */
  override willUpdate(): void {
    this.folder = nearestFolder(this.files, this.folder);
    this.view = this.currentView();
    const inView = new Set(this.view.scope.map((file) => file.name));
    if ([...this.selected].some((name) => !inView.has(name))) this.selected = new Set([...this.selected].filter((name) => inView.has(name)));
  }

  private currentView(): ListView {
    const needle = this.filter.trim();
    if (needle !== '') {
      const matches = this.files.filter((file) => nameMatcher(needle)(file.name));
      return { scope: matches, folders: [], files: sortFiles(matches, this.order), searching: true };
    }
    const listing = listFolder(this.files, this.folder);
    return { scope: filesUnder(this.files, this.folder), folders: sortFolders(listing.folders, this.order), files: sortFiles(listing.files, this.order), searching: false };
  }

  override render() {
    return html`
      <header>
        <h2 id="files-title" tabindex="-1">Files <span class="muted">(${this.files.length})</span></h2>
        <label class="visually-hidden" for="filter">Filter files by name, in every folder</label>
        <input id="filter" type="search" placeholder="Filter by name, or *.jpg" .value=${this.filter} @input=${(e: Event) => (this.filter = (e.target as HTMLInputElement).value)} />
      </header>
      ${this.renderBody()}
    `;
  }

  private renderBody() {
    if (this.unavailable) return html`<div class="empty muted">No file list: this tab cannot join the mesh.</div>`;
    if (!this.loaded) return html`<div class="empty muted">Loading the file list…</div>`;
    if (this.files.length === 0) {
      return html`<div class="empty" data-empty="mesh">
        ${FOLDER_ICON}
        <p><strong>No files in the mesh yet.</strong> <span class="muted">Choose files or a folder above, or drop them there, and each is kept on several peers.</span></p>
      </div>`;
    }
    const view = this.view;
    if (view.searching && view.files.length === 0) {
      return html`<div class="empty" data-empty="filter">
        <p>No file matches “${this.filter.trim()}”.</p>
        <button @click=${this.clearFilter}>Clear filter</button>
      </div>`;
    }
    return html`
      ${view.searching ? html`<p class="where muted">${countOf(view.files.length, 'file')} matching “${this.filter.trim()}”, in every folder</p>` : this.renderTrail()}
      ${this.renderSelectionBar()} ${this.renderTable(view)}
    `;
  }

  /** Where the list is: All files › photos › 2024, each a way back up. */
  private renderTrail() {
    const crumbs = [{ name: 'All files', path: ROOT_FOLDER }, ...folderTrail(this.folder)];
    return html`<nav class="trail" aria-label="Folder">
      <ol>
        ${crumbs.map(
          (crumb) => html`<li>
            <button class="link" aria-current=${crumb.path === this.folder ? 'location' : nothing} @click=${() => this.open(crumb.path)}>${crumb.name}</button>
          </li>`,
        )}
      </ol>
    </nav>`;
  }

  private renderSelectionBar() {
    const chosen = this.view.scope.filter((file) => this.selected.has(file.name));
    if (chosen.length === 0) return nothing;
    const files = countOf(chosen.length, 'file');
    const armed = this.armed === SELECTION_DELETE;
    const size = chosen.reduce((total, file) => total + file.size, 0);
    return html`<div class="selection" role="group" aria-label="Selected files">
      <span class="summary">${chosen.length} selected · ${formatBytes(size)}</span>
      <button @click=${() => this.actOnMany(chosen, 'download')} aria-label="Download ${files}">Download</button>
      <button class="danger ${armed ? 'armed' : ''}" @click=${() => this.onDeleteSelection(chosen)} aria-label="${armed ? 'Confirm delete of' : 'Delete'} ${files}">
        ${armed ? `Delete ${files}?` : 'Delete'}
      </button>
      <button @click=${() => this.select(chosen, false)}>Clear selection</button>
    </div>`;
  }

  private renderTable(view: ListView) {
    const all = this.checkState(view.scope);
    const everything = view.searching ? `every file matching “${this.filter.trim()}”` : this.folder === ROOT_FOLDER ? 'every file' : `every file in ${this.folder}`;
    return html`
      <table aria-labelledby="files-title">
        <thead>
          <tr>
            <th scope="col" class="check">
              <input type="checkbox" aria-label="Select ${everything}" .checked=${all.checked} .indeterminate=${all.indeterminate} @change=${() => this.select(view.scope, !all.checked)} />
            </th>
            ${COLUMNS.map(({ label, key }) => (key ? this.renderSortHeader(key, label) : html`<th scope="col" class="plain">${label}</th>`))}
            <th scope="col" class="plain"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          ${repeat(view.folders, (folder) => folder.path, (folder) => this.renderFolder(folder))}
          ${repeat(view.files, (file) => `${file.shared?.owner ?? ''}/${file.name}`, (file) => this.renderFile(file, view.searching))}
        </tbody>
      </table>
    `;
  }

  /** A column header that sorts: a button, with the order on the header cell for assistive technology. */
  private renderSortHeader(key: SortKey, label: string) {
    const sorted = this.order.key === key;
    const arrow = !sorted ? '' : this.order.direction === 'ascending' ? '▲' : '▼';
    return html`<th scope="col" aria-sort=${sorted ? this.order.direction : 'none'}>
      <button class="sort" data-sort=${key} @click=${() => this.sortBy(key)}>${label}<span class="arrow" aria-hidden="true">${arrow}</span></button>
    </th>`;
  }

  private renderFolder(folder: FolderSummary) {
    const under = filesUnder(this.files, folder.path);
    const check = this.checkState(under);
    return html`
      <tr data-folder=${folder.path} class=${check.checked ? 'selected' : ''}>
        <td class="check">
          <input type="checkbox" aria-label="Select folder ${folder.name}" .checked=${check.checked} .indeterminate=${check.indeterminate} @change=${() => this.select(under, !check.checked)} />
        </td>
        <td class="name">
          <button class="link" @click=${() => this.open(folder.path)} aria-label="Open folder ${folder.name}">${FOLDER_ICON}${folder.name}</button>
          <span class="muted count">${countOf(folder.files, 'file')}</span>
        </td>
        <td class="num" data-label="Size">${formatBytes(folder.size)}</td>
        <td class="num"></td>
        <td class="num" data-label="Latest">${formatDate(folder.latest)}</td>
        <td class="num"></td>
        <td class="actions"></td>
      </tr>
    `;
  }

  /** A file's row; inside a folder it shows its own name, in a search its full one. */
  private renderFile(file: FileSummary, searching: boolean) {
    const armed = this.armed === `file:${file.name}`;
    const selected = this.selected.has(file.name);
    return html`
      <tr data-file=${file.name} class=${selected ? 'selected' : ''}>
        <td class="check"><input type="checkbox" aria-label="Select ${file.name}" .checked=${selected} @change=${() => this.select([file], !selected)} /></td>
        <td class="name">
          <button class="link" @click=${() => this.act(file, 'preview')} aria-label=${file.name} title="Preview ${file.name}">${searching ? file.name : lastPart(file.name)}</button>
          ${file.shared ? html`<span class="pill" data-shared-by=${file.shared.owner} title="${file.shared.owner} shared this file with you${file.shared.write ? ' to read and change' : ' to read'}">Shared by ${file.shared.owner}</span>` : nothing}
          ${file.lock ? html`<span class="pill warn" data-locked-by=${file.lock.user} title="Locked by ${file.lock.user} on ${file.lock.device}">Locked by ${file.lock.user} until ${formatTime(file.lock.expiresAt)}</span>` : nothing}
        </td>
        <td class="num" data-label="Size">${formatBytes(file.size)}</td>
        <td class="num" data-label="Version">v${file.version}</td>
        <td class="num" data-label="Stored">${formatDate(file.createdAt)}</td>
        <td class="num" data-label="Replicas">${replicasPill(file)}</td>
        <td class="actions">
          <button @click=${() => this.act(file, 'download')} aria-label="Download ${file.name}">Download</button>
          <button @click=${() => this.act(file, 'details')} aria-label="Versions, lock and sharing of ${file.name}">Details</button>
          ${file.shared
            ? nothing
            : html`<button class="danger ${armed ? 'armed' : ''}" @click=${() => this.onDelete(file)} aria-label="${armed ? 'Confirm delete of' : 'Delete'} ${file.name}">
                ${armed ? 'Confirm delete' : 'Delete'}
              </button>`}
        </td>
      </tr>
    `;
  }

  /** Checked when every one of `files` is selected, half-checked when some are. */
  private checkState(files: readonly FileSummary[]): { checked: boolean; indeterminate: boolean } {
    const selected = files.filter((file) => this.selected.has(file.name)).length;
    return { checked: selected > 0 && selected === files.length, indeterminate: selected > 0 && selected < files.length };
  }

  private select(files: readonly FileSummary[], on: boolean): void {
    const selected = new Set(this.selected);
    for (const file of files) {
      if (on) selected.add(file.name);
      else selected.delete(file.name);
    }
    this.selected = selected;
    // An armed delete of the selection must not take files chosen after it was armed.
    if (this.armed === SELECTION_DELETE) this.disarm();
  }

  /** Opens a folder (or goes back up to one); focus goes to its place in the trail, as the row pressed is gone. */
  private open(path: string): void {
    this.folder = path;
    void this.updateComplete.then(() => this.currentCrumb?.focus());
  }

  /** A new column sorts its own way first; the same one again turns the order round. */
  private sortBy(key: SortKey): void {
    const flipped = this.order.direction === 'ascending' ? 'descending' : 'ascending';
    this.order = { key, direction: this.order.key === key ? flipped : FIRST_DIRECTION[key] };
  }

  private readonly clearFilter = (): void => {
    this.filter = '';
    this.filterInput.focus();
  };

  private onDelete(file: FileSummary): void {
    this.confirmDelete(`file:${file.name}`, () => this.act(file, 'delete'));
  }

  private onDeleteSelection(files: FileSummary[]): void {
    this.confirmDelete(SELECTION_DELETE, () => {
      this.selected = new Set();
      this.actOnMany(files, 'delete');
    });
  }

  /** A Delete needs a second press within DELETE_CONFIRM_MS: the first arms it, the second runs `remove`. */
  private confirmDelete(key: string, remove: () => void): void {
    clearTimeout(this.disarmTimer);
    if (this.armed !== key) {
      this.armed = key;
      this.disarmTimer = setTimeout(() => (this.armed = null), DELETE_CONFIRM_MS);
      return;
    }
    this.armed = null;
    // Focus leaves the row before the row goes, for the heading, where Enter does nothing: it
    // used to stay on a Delete button that then served the next file, so Enter ×4 deleted two.
    this.heading.focus();
    remove();
  }

  private disarm(): void {
    clearTimeout(this.disarmTimer);
    this.armed = null;
  }

  /** Escape takes back an armed Delete; focus stays where it was. */
  private readonly onKeydown = (event: KeyboardEvent): void => {
    if (event.key !== 'Escape' || this.armed === null) return;
    event.preventDefault();
    this.disarm();
  };

  private act(file: FileSummary, action: FileAction): void {
    const detail = { name: file.name, size: file.size, action, ...(file.shared ? { owner: file.shared.owner } : {}) };
    this.dispatchEvent(new CustomEvent('file-action', { detail, bubbles: true, composed: true }));
  }

  private actOnMany(files: readonly FileSummary[], action: 'download' | 'delete'): void {
    // Others' files are not the viewer's to delete.
    const chosen = action === 'delete' ? files.filter((file) => !file.shared) : files;
    const detail = { files: chosen.map(({ name, size, shared }) => ({ name, size, ...(shared ? { owner: shared.owner } : {}) })), action };
    this.dispatchEvent(new CustomEvent('files-action', { detail, bubbles: true, composed: true }));
  }
}

/** 14:03, in the viewer's time. */
function formatTime(epochMs: number): string {
  return new Date(epochMs).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** "1 file", "3 files". */
function countOf(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

const FOLDER_ICON = html`<svg class="icon" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" aria-hidden="true">
  <path d="M3 7a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z" stroke-linejoin="round" />
</svg>`;

/** Copies online out of copies wanted; an empty file has no bytes to copy, so it gets no verdict. */
function replicasPill(file: FileSummary) {
  if (file.size === 0) return html`<span class="pill" title="an empty file has no data to keep copies of">empty</span>`;
  const health = file.replicas >= file.wanted ? 'good' : file.replicas > 0 ? 'warn' : 'bad';
  const title = health === 'good' ? 'every replica is online' : health === 'warn' ? 'some replicas are offline' : 'no replica is online right now';
  return html`<span class="pill ${health}" title=${title}>${file.replicas}/${file.wanted}</span>`;
}

declare global {
  interface HTMLElementTagNameMap {
    'md-file-list': MdFileList;
  }
}
