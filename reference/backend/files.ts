import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoredFile } from './types.ts';

/** Uploaded and produced files: bytes on disk under IMAGEFLOW_DATA_DIR/files, metadata in memory. */
export class FileStore {
  private readonly files = new Map<string, StoredFile>();
  private readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'files');
    mkdirSync(this.dir, { recursive: true });
  }

  async save(data: Buffer, filename: string, contentType: string): Promise<StoredFile> {
    const file_id = randomUUID();
    const path = join(this.dir, file_id);
    await writeFile(path, data);
    const f: StoredFile = {
      file_id,
      filename,
      content_type: contentType,
      size: data.length,
      path,
      created_at: new Date().toISOString(),
    };
    this.files.set(file_id, f);
    return f;
  }

  get(id: string): StoredFile | undefined {
    return this.files.get(id);
  }

  read(f: StoredFile): Promise<Buffer> {
    return readFile(f.path);
  }

  async delete(id: string): Promise<boolean> {
    const f = this.files.get(id);
    if (!f) return false;
    this.files.delete(id);
    await rm(f.path, { force: true });
    return true;
  }
}

/** Public shape of a file (the contract's `{file_id, filename, content_type}` plus size). */
export function fileView(f: StoredFile) {
  return {
    file_id: f.file_id,
    filename: f.filename,
    content_type: f.content_type,
    file_size: f.size,
    created_at: f.created_at,
    download_url: `/v1/files/${f.file_id}/download`,
  };
}
