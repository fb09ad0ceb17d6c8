/**
 * The event-sourced state of a cluster: event types, the log store (append, fsync, hash chain,
 * lock), the reducer and its queries, snapshots.
 *
 * Full validation (`verifyEvents`, `./verify.js`) and the zod schemas (`./event-schema.js`) are not
 * re-exported here: they load zod, which only `hk8s state verify` needs.
 */
export * from './events.js';
export {
  EMPTY_HEAD,
  decodeLog,
  encodeEvents,
  hashLine,
  type DecodedLog,
  type LogHead,
} from './log-format.js';
export {
  FileEventLog,
  LOCK_FILE,
  LOG_FILE,
  clusterDir,
  findClusterDirs,
  openState,
  type EventLog,
  type EventLogAppender,
  type EventLogLock,
  type EventLogReader,
  type FileEventLogOptions,
  type LogLockHandle,
  type OpenedState,
  type ReadResult,
} from './log-store.js';
export { isLockStale, type LockHandle, type LockInfo } from './lock.js';
export {
  REDUCER_VERSION,
  emptyState,
  failedActions,
  lastRun,
  pendingRun,
  reduce,
  replay,
  unfinishedActions,
  type ActionRecord,
  type ActionStatus,
  type RunRecord,
  type State,
} from './reducer.js';
export { SNAPSHOT_FILE, readSnapshot, snapshotMatches, writeSnapshot, type Snapshot } from './snapshot.js';
