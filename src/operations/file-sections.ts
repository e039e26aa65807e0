/**
 * One critical section per file, shared by every router in the process that serves the same
 * storage: the commit step of a save (from its last check until the content is visible), a
 * rename, a delete and every lock change on one file take turns, so none of them can slip
 * between a save's check and its publication. Other processes are not covered: there the commit
 * step's second look at the shared lock store is what holds (docs/locking.md).
 */
import type { WopiStorage } from '../adapters/storage';
import { KeyedMutex } from '../util/keyed-mutex';

const sectionsByStorage = new WeakMap<WopiStorage, KeyedMutex>();

/** The critical sections of the files of `storage`, keyed by file ID. */
export function fileSections(storage: WopiStorage): KeyedMutex {
  let sections = sectionsByStorage.get(storage);
  if (sections === undefined) {
    sections = new KeyedMutex();
    sectionsByStorage.set(storage, sections);
  }
  return sections;
}
