/**
 * A workspace is one spec file and the state kept beside it: `<dir of hk8s.yaml>/.hk8s/<cluster>/`.
 */
import { dirname } from 'node:path';
import { loadSpec, type LoadedSpec } from '../spec/load.js';
import type { Spec } from '../spec/schema.js';
import { clusterDir, FileEventLog, type EventLog } from '../state/log-store.js';

export interface Workspace {
  /** The directory holding the spec; `.hk8s/` lives here. */
  root: string;
  loaded: LoadedSpec;
  spec: Spec;
  cluster: string;
  stateDir: string;
  /** The event log behind its interfaces: the file store here, another backend later. */
  log: EventLog;
}

export async function openWorkspace(options: { cwd: string; config?: string }): Promise<Workspace> {
  const loaded = await loadSpec({ cwd: options.cwd, file: options.config });
  const root = dirname(loaded.path);
  const cluster = loaded.spec.cluster.name;
  const stateDir = clusterDir(root, cluster);
  return { root, loaded, spec: loaded.spec, cluster, stateDir, log: new FileEventLog(stateDir) };
}
