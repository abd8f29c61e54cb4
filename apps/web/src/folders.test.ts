import { describe, expect, it } from 'vitest';
import { filesUnder, folderTrail, lastPart, listFolder, nearestFolder, NEWEST_FIRST, ROOT_FOLDER, sortFiles, sortFolders, type ListedFile } from './folders.js';

function file(name: string, size: number, createdAt: number, replicas = 2): ListedFile {
  return { name, size, createdAt, replicas };
}

const files = [
  file('notes.txt', 10, 5),
  file('photos/beach.jpg', 300, 1),
  file('photos/2024/a.jpg', 100, 7),
  file('photos/2024/b.jpg', 200, 3),
  file('docs/cv.pdf', 50, 2),
  file('photosynthesis.txt', 1, 4),
];

const names = (listed: readonly { name: string }[]): string[] => listed.map((item) => item.name);

describe('listFolder', () => {
  it('shows the top: its sub-folders summed over every file under them, and its own files', () => {
    const top = listFolder(files, ROOT_FOLDER);
    expect(names(top.files).sort()).toEqual(['notes.txt', 'photosynthesis.txt']);
    expect(top.folders).toEqual(
      expect.arrayContaining([
        { path: 'photos', name: 'photos', files: 3, size: 600, latest: 7 },
        { path: 'docs', name: 'docs', files: 1, size: 50, latest: 2 },
      ]),
    );
    expect(top.folders).toHaveLength(2);
  });

  it('shows one level inside a folder, and not a folder whose name only starts the same', () => {
    const photos = listFolder(files, 'photos');
    expect(names(photos.files)).toEqual(['photos/beach.jpg']);
    expect(photos.folders).toEqual([{ path: 'photos/2024', name: '2024', files: 2, size: 300, latest: 7 }]);
    expect(listFolder(files, 'photos/2024').folders).toEqual([]);
  });
});

describe('folder paths', () => {
  it('names the last part, the trail down, and the files under a folder at any depth', () => {
    expect(lastPart('photos/2024/a.jpg')).toBe('a.jpg');
    expect(lastPart('notes.txt')).toBe('notes.txt');
    expect(folderTrail(ROOT_FOLDER)).toEqual([]);
    expect(folderTrail('photos/2024')).toEqual([
      { name: 'photos', path: 'photos' },
      { name: '2024', path: 'photos/2024' },
    ]);
    expect(names(filesUnder(files, 'photos')).sort()).toEqual(['photos/2024/a.jpg', 'photos/2024/b.jpg', 'photos/beach.jpg']);
    expect(filesUnder(files, ROOT_FOLDER)).toHaveLength(files.length);
  });

  it('falls back to the nearest folder that still has files', () => {
    expect(nearestFolder(files, 'photos/2024')).toBe('photos/2024');
    expect(nearestFolder(files, 'photos/2023/march')).toBe('photos');
    expect(nearestFolder(files, 'gone/deep')).toBe(ROOT_FOLDER);
  });
});

describe('sorting', () => {
  it('opens newest first', () => {
    expect(names(sortFiles(files, NEWEST_FIRST))).toEqual(['photos/2024/a.jpg', 'notes.txt', 'photosynthesis.txt', 'photos/2024/b.jpg', 'docs/cv.pdf', 'photos/beach.jpg']);
    expect(names(sortFolders(listFolder(files, ROOT_FOLDER).folders, NEWEST_FIRST))).toEqual(['photos', 'docs']);
  });

  it('sorts names as people read them, either way round', () => {
    const numbered = [file('file 10', 1, 1), file('File 2', 1, 1), file('file 1', 1, 1)];
    expect(names(sortFiles(numbered, { key: 'name', direction: 'ascending' }))).toEqual(['file 1', 'File 2', 'file 10']);
    expect(names(sortFiles(numbered, { key: 'name', direction: 'descending' }))).toEqual(['file 10', 'File 2', 'file 1']);
  });

  it('sorts by size and replicas, equal ones by name', () => {
    const mixed = [file('b', 5, 1, 1), file('a', 5, 1, 3), file('c', 9, 1, 0)];
    expect(names(sortFiles(mixed, { key: 'size', direction: 'descending' }))).toEqual(['c', 'a', 'b']);
    expect(names(sortFiles(mixed, { key: 'size', direction: 'ascending' }))).toEqual(['a', 'b', 'c']);
    expect(names(sortFiles(mixed, { key: 'replicas', direction: 'ascending' }))).toEqual(['c', 'b', 'a']);
  });

  it('sorts folders by total size, and by name when the files sort by replicas', () => {
    const top = listFolder(files, ROOT_FOLDER).folders;
    expect(names(sortFolders(top, { key: 'size', direction: 'ascending' }))).toEqual(['docs', 'photos']);
    expect(names(sortFolders(top, { key: 'replicas', direction: 'descending' }))).toEqual(['docs', 'photos']);
  });
});
