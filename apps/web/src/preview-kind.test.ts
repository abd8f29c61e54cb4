import { describe, expect, it } from 'vitest';
import { IMAGE_PREVIEW_MAX_BYTES, MEDIA_PREVIEW_MAX_BYTES, planPreview, TEXT_PREVIEW_BYTES } from './preview-kind.js';

const KiB = 1024;

describe('planPreview', () => {
  it('tells the kind and the Blob type from the extension, in any case', () => {
    expect(planPreview('photo.PNG', 10 * KiB)).toEqual({ kind: 'image', mime: 'image/png' });
    expect(planPreview('beach.jpeg', 1)).toMatchObject({ kind: 'image', mime: 'image/jpeg' });
    expect(planPreview('logo.svg', 1)).toMatchObject({ kind: 'image', mime: 'image/svg+xml' });
    expect(planPreview('paper.pdf', 1)).toMatchObject({ kind: 'pdf', mime: 'application/pdf' });
    expect(planPreview('song.mp3', 1)).toMatchObject({ kind: 'audio', mime: 'audio/mpeg' });
    expect(planPreview('voice.opus', 1)).toMatchObject({ kind: 'audio', mime: 'audio/ogg' });
    expect(planPreview('clip.webm', 1)).toMatchObject({ kind: 'video', mime: 'video/webm' });
    expect(planPreview('clip.mov', 1)).toMatchObject({ kind: 'video', mime: 'video/quicktime' });
    expect(planPreview('main.rs', 1)).toMatchObject({ kind: 'text', mime: 'text/plain;charset=utf-8' });
  });

  it('shows markup as text: an .html file is read, not rendered', () => {
    expect(planPreview('index.html', 1)).toMatchObject({ kind: 'text' });
  });

  it('looks only at the last part of a name in a folder, and only at its last extension', () => {
    expect(planPreview('photos.2024/beach.jpg', 1)).toMatchObject({ kind: 'image' });
    expect(planPreview('notes.md/README', 1)).toMatchObject({ kind: 'text' });
    expect(planPreview('backup.tar.gz', 1)).toEqual({ kind: 'none', reason: 'unknown-kind' });
  });

  it('takes names without an extension, dotfiles too, for text', () => {
    expect(planPreview('LICENSE', 1)).toMatchObject({ kind: 'text' });
    expect(planPreview('.bashrc', 1)).toMatchObject({ kind: 'text' });
    expect(planPreview('config/.env', 1)).toMatchObject({ kind: 'text' });
  });

  it('offers no preview for kinds it does not know', () => {
    expect(planPreview('disk.iso', 1)).toEqual({ kind: 'none', reason: 'unknown-kind' });
    expect(planPreview('trailing.', 1)).toEqual({ kind: 'none', reason: 'unknown-kind' });
  });

  it('previews text of any size: only its start is read', () => {
    expect(planPreview('big.log', 50 * TEXT_PREVIEW_BYTES)).toMatchObject({ kind: 'text' });
  });

  it('sends images and media over their ceilings to the download instead', () => {
    expect(planPreview('huge.png', IMAGE_PREVIEW_MAX_BYTES)).toMatchObject({ kind: 'image' });
    expect(planPreview('huge.png', IMAGE_PREVIEW_MAX_BYTES + 1)).toEqual({ kind: 'none', reason: 'too-big', ceiling: IMAGE_PREVIEW_MAX_BYTES });
    expect(planPreview('film.mp4', MEDIA_PREVIEW_MAX_BYTES)).toMatchObject({ kind: 'video' });
    expect(planPreview('film.mp4', MEDIA_PREVIEW_MAX_BYTES + 1)).toEqual({ kind: 'none', reason: 'too-big', ceiling: MEDIA_PREVIEW_MAX_BYTES });
    expect(planPreview('book.pdf', MEDIA_PREVIEW_MAX_BYTES + 1)).toMatchObject({ kind: 'none', reason: 'too-big' });
  });
});
