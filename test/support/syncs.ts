/** Counts the journal's flushes to disk (fs.fdatasyncSync) until `restore()`. */
import fs from 'node:fs';

export function countSyncs(): { syncs: number[]; restore: () => void } {
  const syncs: number[] = [];
  const original = fs.fdatasyncSync;
  fs.fdatasyncSync = (fd: number): void => {
    syncs.push(fd);
    original(fd);
  };
  return { syncs, restore: () => (fs.fdatasyncSync = original) };
}
