/**
 * A workspace is one spec file and the state kept beside it: `<dir of hk8s.yaml>/.hk8s/<cluster>/`.
 */
import { dirname } from 'node:path';
import { settingsSchemas, type AddonRegistry } from '../addons/registry.js';
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
  /** The addons the installed plugins provide (and the ones that could not be loaded). */
  addons: AddonRegistry;
}

export const NO_ADDONS: AddonRegistry = { addons: [], problems: [] };

export async function openWorkspace(options: {
  cwd: string;
  config?: string;
  addons?: AddonRegistry;
}): Promise<Workspace> {
  const addons = options.addons ?? NO_ADDONS;
  const loaded = await loadSpec({
    cwd: options.cwd,
    file: options.config,
    ...(options.addons ? { addons: settingsSchemas(options.addons) } : {}),
  });
  const root = dirname(loaded.path);
  const cluster = loaded.spec.cluster.name;
  const stateDir = clusterDir(root, cluster);
  return { root, loaded, spec: loaded.spec, cluster, stateDir, log: new FileEventLog(stateDir), addons };
}
