import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/**
 * Atomic file creation for exports to removable drives: write a temporary file in the same
 * folder, fsync it, rename it over the final name, then fsync the folder so the rename itself
 * is durable. A drive pulled out at any moment leaves either the old file or the complete new
 * one, never a torn manifest.
 */

export class AtomicFileWriter {
  private readonly hash = createHash('sha256');
  private written = 0;
  private done = false;

  private constructor(
    readonly finalPath: string,
    private readonly tempPath: string,
    private readonly handle: FileHandle,
  ) {}

  static async create(finalPath: string): Promise<AtomicFileWriter> {
    const dir = path.dirname(finalPath);
    const tempPath = path.join(
      dir,
      `.${path.basename(finalPath)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
    );
    // O_EXCL: never reuse or follow whatever already sits at the temporary name.
    const handle = await open(
      tempPath,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
      0o644,
    );
    return new AtomicFileWriter(finalPath, tempPath, handle);
  }

  async write(data: Uint8Array | string): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let offset = 0;
    while (offset < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, offset, bytes.length - offset);
      offset += bytesWritten;
    }
    this.hash.update(bytes);
    this.written += bytes.length;
  }

  /** fsync, rename into place, fsync the folder. Returns the SHA-256 and size written. */
  async commit(): Promise<{ sha256: Uint8Array; bytes: number }> {
    try {
      await this.handle.sync();
    } finally {
      await this.handle.close();
    }
    await rename(this.tempPath, this.finalPath);
    this.done = true;
    await fsyncFolder(path.dirname(this.finalPath));
    return { sha256: new Uint8Array(this.hash.digest()), bytes: this.written };
  }

  /** Drops the temporary file; the final name is untouched. Safe to call after a failure. */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.handle.close().catch(() => {});
    await rm(this.tempPath, { force: true });
  }
}

export async function fsyncFolder(folder: string): Promise<void> {
  const handle = await open(folder, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes one whole file atomically. */
export async function writeFileAtomic(
  finalPath: string,
  data: Uint8Array | string,
): Promise<{ sha256: Uint8Array; bytes: number }> {
  const writer = await AtomicFileWriter.create(finalPath);
  try {
    await writer.write(data);
    return await writer.commit();
  } catch (e) {
    await writer.abort();
    throw e;
  }
}

/** SHA-256 and size of a file as it reads back now. */
export async function hashFile(file: string): Promise<{ sha256: Uint8Array; bytes: number }> {
  const handle = await open(file, 'r');
  try {
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of handle.createReadStream({ highWaterMark: 1 << 18 })) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    return { sha256: new Uint8Array(hash.digest()), bytes };
  } finally {
    await handle.close();
  }
}
