/**
 * A secret the master keeps in its data directory (its signing key, the mesh's join secret):
 * read if it is there, else made and written readable by its owner only. Written with `wx`, so
 * two masters starting on one directory cannot both write one: the loser reads the winner's.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** The text at `path`, or `make()`'s, written there (mode 0600) first. Other read failures are thrown. */
export async function readOrCreatePrivateFile(path: string, make: () => string | Promise<string>): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const text = await make();
  await mkdir(dirname(path), { recursive: true });
  try {
    await writeFile(path, text, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFile(path, 'utf8');
    throw error;
  }
  // The mode given to writeFile is masked by the umask; the file must not be readable by others.
  await chmod(path, 0o600);
  return text;
}
