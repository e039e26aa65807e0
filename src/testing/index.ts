/**
 * express-wopi/testing: the adapter contracts as jest test suites, for the built-in adapters and
 * for yours. See docs/writing-an-adapter.md.
 */
export { describeWopiLockStore } from './lock-suite';
export type { LockSuiteOptions } from './lock-suite';
export { describeWopiStorage } from './storage-suite';
export type { StorageFixture, StorageCapability, StorageSuiteOptions } from './storage-suite';
