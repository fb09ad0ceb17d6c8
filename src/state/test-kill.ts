/**
 * For the torture suite only (test/torture): `HK8S_TEST_KILL_AT_EVENT=N` makes the process
 * SIGKILL itself right after the N-th event it appended is durable, so that a crash can be
 * placed at every event boundary of a run, deterministically. Unset, this does nothing.
 */
const target = Number(process.env.HK8S_TEST_KILL_AT_EVENT ?? '');
let appended = 0;

export function afterDurableAppend(count: number): void {
  if (!Number.isInteger(target) || target <= 0) return;
  appended += count;
  if (appended >= target) process.kill(process.pid, 'SIGKILL');
}
