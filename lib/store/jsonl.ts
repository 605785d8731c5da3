/**
 * A durable JSON-lines file (the journal's file format, lib/journal/journal.ts): every record is one
 * line, appended and flushed to disk (fdatasync) before `append` returns, so a crash — kill -9
 * included — loses nothing that was acknowledged; a torn last line is skipped on load; `rewrite`
 * replaces the whole file atomically (compaction).
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from './atomic';

export class JsonlFile {
  private fd: number | undefined;
  /** lines in the file (appended since the last rewrite included) */
  lines = 0;

  constructor(
    readonly file: string,
    private readonly durable = true,
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  }

  /** Every readable record, in order, and how many lines were torn or unreadable. */
  load(): { records: unknown[]; skipped: number } {
    let text = '';
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const records: unknown[] = [];
    let skipped = 0;
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        records.push(JSON.parse(line) as unknown);
      } catch {
        skipped++;
      }
    }
    this.lines = records.length + skipped;
    return { records, skipped };
  }

  /**
   * Append one record; flushed before returning unless `sync` is false (group commit: the caller
   * then calls `sync()` once for several records before it acknowledges any of them).
   */
  append(record: unknown, sync = true): void {
    if (this.fd === undefined) this.fd = fs.openSync(this.file, 'a', 0o600);
    fs.writeSync(this.fd, Buffer.from(`${JSON.stringify(record)}\n`, 'utf8'));
    if (sync && this.durable) fs.fdatasyncSync(this.fd);
    this.lines++;
  }

  /** Flush what was appended without a flush (after a rewrite the lines are already on disk). */
  sync(): void {
    if (this.durable && this.fd !== undefined) fs.fdatasyncSync(this.fd);
  }

  rewrite(records: readonly unknown[]): void {
    const body = records.map((r) => JSON.stringify(r)).join('\n');
    this.close();
    writeFileAtomic(this.file, body ? `${body}\n` : '');
    this.lines = records.length;
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}
