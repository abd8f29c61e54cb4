import { describe, expect, it } from 'vitest';
import { collectDropped } from './dropped-files.js';

/** A file entry as a browser hands it out from a drop; `broken` ones fail to read. */
function fileEntry(name: string, broken = false): FileSystemEntry {
  const entry = {
    name,
    isFile: true,
    isDirectory: false,
    file: (resolve: (file: File) => void, reject: (error: Error) => void) => (broken ? reject(new Error('gone')) : resolve(new File([name], name))),
  };
  return entry as unknown as FileSystemEntry;
}

/** A folder entry whose reader hands its children out `batchSize` at a time, as Chromium does 100. */
function folderEntry(name: string, children: FileSystemEntry[], batchSize = 2): FileSystemEntry {
  const entry = {
    name,
    isFile: false,
    isDirectory: true,
    createReader: () => {
      let next = 0;
      return {
        readEntries: (resolve: (entries: FileSystemEntry[]) => void) => {
          const batch = children.slice(next, next + batchSize);
          next += batch.length;
          setTimeout(() => resolve(batch));
        },
      };
    },
  };
  return entry as unknown as FileSystemEntry;
}

describe('collectDropped', () => {
  it('walks dropped folders to every file, batch after batch, naming each by its path', async () => {
    const tree = folderEntry('tree', [fileEntry('a.txt'), fileEntry('b.txt'), folderEntry('sub', [fileEntry('c.bin')]), fileEntry('d.txt'), folderEntry('empty', [])]);
    const loose = new File(['x'], 'loose.txt');
    const { files, unreadable } = await collectDropped([tree, fileEntry('top.txt'), loose, null]);
    expect(files.map((file) => file.name)).toEqual(['tree/a.txt', 'tree/b.txt', 'tree/sub/c.bin', 'tree/d.txt', 'top.txt', 'loose.txt']);
    expect(await files[2]!.file.text()).toBe('c.bin');
    expect(unreadable).toEqual([]);
  });

  it('lists what the browser would not read, and goes on with the rest', async () => {
    const { files, unreadable } = await collectDropped([folderEntry('f', [fileEntry('gone.txt', true), fileEntry('here.txt')])]);
    expect(files.map((file) => file.name)).toEqual(['f/here.txt']);
    expect(unreadable).toEqual([{ name: 'f/gone.txt', reason: 'the browser could not read it' }]);
  });
});
