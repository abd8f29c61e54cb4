/**
 * `meshdrive`: the headless peer daemon, the master, and the command-line client. Every
 * failure ends as one line on stderr and a non-zero exit; never a stack trace.
 */
import { DEFAULT_SIGNAL_URL, parseCommandLine, UsageError } from './options.js';
import { runLs, runReceive, runRm, runSend, runStatus } from './client-commands.js';
import { explain } from './messages.js';
import { runLogin, runLogout, runPasswd, runSignup, runWhoami } from './account-commands.js';
import { runLock, runRestore, runShare, runUnlock, runUnshare, runVersions } from './file-commands.js';

const HELP = `meshdrive: a peer-to-peer storage mesh

Usage:
  meshdrive master  [--port 7070] [--host 127.0.0.1] [--data DIR | --volatile | --directory URL]
                    [--redis URL] [--public-url URL] [--replication 3]
                    [--tls-cert FILE --tls-key FILE] [--allow-origin URL]... [--join-secret TEXT]
                    [--dead-after 10s] [--repair-rate 64MiB] [--keep-versions 10]
  meshdrive peer    [--signal URL] [--data DIR | --volatile] [--capacity SIZE] [--label TEXT]
                    [--join-secret TEXT] [--scrub-every 24h] [--scrub-rate 8MiB]
  meshdrive send    FILE [--name NAME] [--password-file F] [--wait]
                                              store FILE in the mesh (a new version if NAME exists);
                                              --wait: if someone holds NAME's lock, wait for it
  meshdrive receive NAME [--out PATH] [--version N] [--password-file F]
                                              fetch NAME (or its version N) into PATH (default: ./ and
                                              NAME's last part); fetches only what changed since the
                                              last receive to PATH, and nothing if it is up to date
  meshdrive ls      [PATTERN] [--sort name|size|date] [--reverse] [--json]
                                              list your files, or those matching PATTERN: a glob
                                              ('*.txt', 'docs/**') or a part of the name
  meshdrive rm      NAME                      delete NAME and all its versions
  meshdrive lock    NAME [--ttl 5m] [--wait]  lock NAME for others until you unlock it or the lease
                                              runs out; a send from here writes under it and renews
                                              it; --wait: queue for it if someone else holds it
  meshdrive unlock  NAME                      release your lock on NAME
  meshdrive versions NAME [--json]            the versions of NAME the mesh keeps
  meshdrive restore NAME --version N          make version N the newest again (a new version;
                                              no data moves)
  meshdrive share   NAME --with USER [--write]
                                              let USER read NAME (and write it, with --write);
                                              without --with, say who NAME is shared with
  meshdrive unshare NAME --with USER          stop sharing NAME with USER
  meshdrive status  [--json]                  show the peers and their health
  meshdrive signup  --user NAME               make an account on the master and log in
  meshdrive login   --user NAME               log in (the password: $MESHDRIVE_PASSWORD, else asked)
  meshdrive passwd  [--user NAME]             change your password (the new one: $MESHDRIVE_NEW_PASSWORD,
                                              else asked); your files are not encrypted again
  meshdrive logout                            end this machine's session on the master
  meshdrive whoami                            who this machine is logged in as

Files are compressed and encrypted on this machine before they leave it: peers and the
master hold ciphertext, and the master knows each name only as a keyed token. The keys come
from your password at log-in and are kept with the session, readable by you only.

Files shared with you show in ls with who shared them; receive, versions, send,
lock and unlock take --owner USER to name one (receive finds it by name alone when
you have no file of that name). Sharing seals each file key to the other user's
public key on your machine: the master never holds a key that opens a file.

Options:
  --password-file F
                 a password of the file's own (its first line; else
                 $MESHDRIVE_FILE_PASSWORD): reading the file then needs it too
  --signal URL   the master (else $MESHDRIVE_SIGNAL, else ${DEFAULT_SIGNAL_URL})
  --token TOKEN  an access token to use instead of the logged-in session
                 (else $MESHDRIVE_TOKEN); sessions are kept in $MESHDRIVE_HOME
                 (default ~/.config/meshdrive), readable by you only
  --data DIR     where the master keeps its directory / a peer keeps its chunks
                 (defaults: ./.meshdrive/master and ./.meshdrive/peer)
  --volatile     keep chunks (peer) or the directory (master) in memory only; they
                 are gone when the process exits
  --directory URL
                 keep the master's directory, accounts and secrets in PostgreSQL
                 (postgres://USER@HOST/DB; else $MESHDRIVE_DIRECTORY_URL, else
                 SQLite under --data)
  --redis URL    serve one mesh with the other masters on this Redis (redis://HOST:PORT,
                 or unix:///PATH; else $MESHDRIVE_REDIS_URL): they pass events and
                 share which peers are online there; they need one --directory too
  --public-url URL
                 where pages and peers reach this master, if not where it listens
                 (behind a proxy): what the other masters tell the web app to move to
  --capacity     disk space a peer offers, index included, e.g. 10GiB (default 10GiB)
  --tls-cert, --tls-key
                 serve HTTPS with this PEM certificate and key (browsers allow
                 WebCrypto only on https:// pages, or on localhost)
  --join-secret TEXT
                 what headless peers present to join the mesh (else
                 $MESHDRIVE_JOIN_SECRET); a master given none makes one in
                 DIR/join-secret, readable by you only: give its content to peers
  --allow-origin URL
                 let pages from URL connect to the master too (its own origin
                 always can); repeat for several
  --keep-versions N
                 versions the master keeps of each file (default 10); older
                 ones are forgotten and the chunks only they used are freed
  --ttl DURATION how long a lock lasts unless renewed (default 5m; e.g. 30s, 1h);
                 a lock whose holder vanished is released when it runs out
  --abandon-ms   the master frees segments of sends that never finished this long
                 after they were written (default 3600000, an hour)
  --dead-after DURATION
                 a peer silent this long is dead, and the master has the copies
                 it held made again on other peers (default 10s; e.g. 30s, 2m)
  --repair-rate SIZE
                 bytes per second of such repair copies, at most (default 64MiB)
  --scrub-every DURATION
                 a peer re-reads and checks everything it holds this often, and
                 reports what is damaged so the master repairs it from a good copy
                 (default 24h; 0 never)
  --scrub-rate SIZE
                 bytes per second a scrub reads, at most (default 8MiB)
  -h, --help     this help;  --version  the version

Examples:
  meshdrive master --data ./.meshdrive/master
  MESHDRIVE_JOIN_SECRET="$(cat .meshdrive/master/join-secret)" meshdrive peer --data ./peer-a --capacity 5GiB
  meshdrive signup --user ada
  meshdrive send ./photo.jpg && meshdrive receive photo.jpg --out /tmp/photo.jpg
  meshdrive lock report.odt --ttl 30m && meshdrive send report.odt && meshdrive unlock report.odt
  meshdrive ls '*.jpg' --sort size
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv);
  const [command, ...rest] = positionals;
  if (values['program-version']) {
    process.stdout.write('meshdrive 0.1.0\n');
    return 0;
  }
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(HELP);
    return command === undefined && !values.help ? 2 : 0;
  }
  const needs = (count: number, what: string): string[] => {
    if (rest.length !== count) throw new UsageError(`${command} takes ${what} (see meshdrive --help)`);
    return rest;
  };
  switch (command) {
    // The daemons load on demand: the master's code (socket.io's server, SQLite, Argon2) put
    // ~30 MiB on every client command's RSS.
    case 'master': needs(0, 'no arguments'); return (await import('./daemons.js')).runMaster(values);
    case 'peer': needs(0, 'no arguments'); return (await import('./daemons.js')).runPeer(values);
    case 'send': return runSend(needs(1, 'one FILE')[0]!, values);
    case 'receive': return runReceive(needs(1, 'one NAME')[0]!, values);
    case 'ls':
      if (rest.length > 1) throw new UsageError('ls takes at most one PATTERN; quote a glob so the shell leaves it alone (see meshdrive --help)');
      return runLs(rest[0], values);
    case 'lock': return runLock(needs(1, 'one NAME')[0]!, values);
    case 'unlock': return runUnlock(needs(1, 'one NAME')[0]!, values);
    case 'versions': return runVersions(needs(1, 'one NAME')[0]!, values);
    case 'restore': return runRestore(needs(1, 'one NAME, and --version N')[0]!, values);
    case 'share': return runShare(needs(1, 'one NAME, and --with USER')[0]!, values);
    case 'unshare': return runUnshare(needs(1, 'one NAME, and --with USER')[0]!, values);
    case 'rm': return runRm(needs(1, 'one NAME')[0]!, values);
    case 'status': needs(0, 'no arguments'); return runStatus(values);
    case 'signup': needs(0, 'no arguments, and --user NAME'); return runSignup(values);
    case 'login': needs(0, 'no arguments, and --user NAME'); return runLogin(values);
    case 'passwd': needs(0, 'no arguments'); return runPasswd(values);
    case 'logout': needs(0, 'no arguments'); return runLogout(values);
    case 'whoami': needs(0, 'no arguments'); return runWhoami(values);
    default: throw new UsageError(`unknown command "${command}" (see meshdrive --help)`);
  }
}

function fail(error: unknown): never {
  process.stderr.write(`meshdrive: ${explain(error)}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
}

process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

main(process.argv.slice(2)).then(
  (code) => {
    // Daemons keep running; client commands exit as soon as they are done.
    if (code >= 0) process.exit(code);
  },
  fail,
);
