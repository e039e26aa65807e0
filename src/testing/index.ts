/**
 * express-wopi/testing: the adapter contracts as jest test suites, for the built-in adapters and
 * for yours. See docs/writing-an-adapter.md.
 *
 * @module express-wopi/testing
 */
export { describeWopiAuth } from './auth-suite';
export type { AuthFixture, AuthCapability, AuthSuiteOptions } from './auth-suite';
export { describeWopiContainerStorage } from './container-suite';
export type { ContainerFixture, ContainerSuiteOptions } from './container-suite';
export { describeWopiLockStore } from './lock-suite';
export type { LockCapability, LockSuiteOptions } from './lock-suite';
export { describeWopiStorage } from './storage-suite';
export type { StorageFixture, StorageCapability, StorageSuiteOptions } from './storage-suite';
export { describeWopiUserInfoStore } from './user-info-suite';
export type { UserInfoFixture, UserInfoSuiteOptions } from './user-info-suite';
// The session simulator: a WOPI client per editor and the editors' whole sessions (docs/editors.md).
export * from '../simulator';
