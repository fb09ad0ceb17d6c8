/**
 * Where the session applies safe targeting (src/engine/target-identity.ts): the cluster name and
 * the endpoint before any request, the project and the missing resources after observation, and
 * the `TargetRecorded` written before the first change.
 */
import { relative } from 'node:path';
import type { EngineEventSink } from '../execute/events.js';
import type { ObservedResource } from '../plan/types.js';
import type { TargetRecordedData } from '../state/events.js';
import { findClusterDirs, openState } from '../state/log-store.js';
import type { State } from '../state/reducer.js';
import type { Provider } from './provider.js';
import { checkTarget, renamedError } from './target-identity.js';
import { HK8S_VERSION } from './version.js';
import type { Workspace } from './workspace.js';

export interface TargetFlags {
  /** `--accept-endpoint`: the state moves to this endpoint or project on purpose. */
  acceptEndpoint?: boolean;
  /** `--accept-missing`: recorded resources that are gone are to be created again. */
  acceptMissing?: boolean;
}

const specFile = (ws: Workspace): string => relative(ws.root, ws.loaded.path) || ws.loaded.path;

/**
 * A spec whose cluster.name changed gets a new, empty state directory: the old cluster's state
 * beside the same spec file gives the rename away.
 */
async function assertSameName(ws: Workspace, state: State): Promise<void> {
  const recorded = state.target?.cluster ?? state.cluster;
  if (recorded !== null && recorded !== ws.cluster) throw renamedError(ws.loaded.path, recorded, ws.cluster);
  if (state.head.seq > 0) return;
  for (const other of await findClusterDirs(ws.root)) {
    if (other.cluster === ws.cluster) continue;
    const { state: theirs } = await openState(other.dir);
    if (theirs.target?.spec !== specFile(ws) || Object.keys(theirs.resources).length === 0) continue;
    throw renamedError(ws.loaded.path, other.cluster, ws.cluster);
  }
}

/** Before any request: a renamed cluster (apply only) and another endpoint stop here. */
export async function guardBeforeObserving(
  ws: Workspace,
  state: State,
  provider: Provider,
  command: 'apply' | 'destroy',
  flags: TargetFlags,
): Promise<void> {
  if (command === 'apply') await assertSameName(ws, state);
  if (!provider.target) return;
  const verdict = checkTarget({
    recorded: state.target,
    current: provider.target,
    resources: [],
    acceptEndpoint: flags.acceptEndpoint === true,
    acceptMissing: true,
    where: ws.stateDir,
  });
  if (!verdict.ok) throw verdict.error;
}

/** After observation: another project or too much missing stops; else what to record, if anything. */
export function guardObserved(
  ws: Workspace,
  state: State,
  provider: Provider,
  request: TargetFlags & { command: 'apply' | 'destroy'; includeVolumes?: boolean },
  observed: readonly ObservedResource[],
  events: EngineEventSink,
): TargetRecordedData | undefined {
  if (!provider.target) return undefined;
  const verdict = checkTarget({
    recorded: state.target,
    current: provider.target,
    resources: Object.values(state.resources),
    observed,
    volumesObserved: request.includeVolumes === true,
    acceptEndpoint: request.acceptEndpoint === true,
    // Destroying what is gone only forgets it.
    acceptMissing: request.acceptMissing === true || request.command === 'destroy',
    where: ws.stateDir,
  });
  if (!verdict.ok) throw verdict.error;
  if (verdict.note) events({ type: 'warning', warning: { kind: 'state-log', message: verdict.note } });
  if (!verdict.record) return undefined;
  return { ...provider.target, cluster: ws.cluster, spec: specFile(ws) };
}

/**
 * Writes the target before the first change (with the log's first line when there is no log yet).
 * Returns the state with its new head, for the run that follows.
 */
export async function recordTarget(
  ws: Workspace,
  state: State,
  target: TargetRecordedData | undefined,
): Promise<State> {
  if (!target) return state;
  const created =
    state.head.seq === 0
      ? [
          {
            type: 'LogCreated' as const,
            run: null,
            data: { cluster: ws.cluster, format: 1 as const, hk8sVersion: HK8S_VERSION },
          },
        ]
      : [];
  const written = await ws.log.append([...created, { type: 'TargetRecorded', run: null, data: target }]);
  const last = written[written.length - 1];
  return last ? { ...state, target, head: { seq: last.seq, hash: last.hash } } : state;
}
