/** Reads the Talos simulation's persisted state for assertions and `sandbox stats`, from outside the process. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterRecord } from './registry.js';
import { clusterStats, type TalosClusterStats } from './simulator.js';
import type { NodePhase, NodeRecord, UpgradeRecord } from './state.js';

export interface TalosStateSummary {
  nodes: {
    serverId: number;
    name: string;
    ip: string | null;
    phase: NodePhase;
    version: string;
    /** Boots so far: an upgrade adds one. */
    bootCount: number;
    /** Every upgrade install the node performed, oldest first. */
    upgrades: UpgradeRecord[];
    lastError: string | null;
  }[];
  clusters: TalosClusterStats[];
}

export function readTalosState(stateDir: string): TalosStateSummary {
  const dir = join(stateDir, 'talos');
  let clusters: TalosClusterStats[] = [];
  try {
    const raw = JSON.parse(readFileSync(join(dir, 'clusters.json'), 'utf8')) as Record<string, ClusterRecord>;
    clusters = Object.values(raw).map(clusterStats);
  } catch {
    clusters = [];
  }
  const nodes: TalosStateSummary['nodes'] = [];
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => /^\d+\.json$/.test(f));
  } catch {
    files = [];
  }
  for (const file of files) {
    try {
      const r = JSON.parse(readFileSync(join(dir, file), 'utf8')) as NodeRecord;
      nodes.push({
        serverId: r.serverId,
        name: r.name,
        ip: r.ip,
        phase: r.phase,
        version: r.version,
        bootCount: r.bootCount,
        upgrades: r.upgrades ?? [],
        lastError: r.lastError,
      });
    } catch {
      // a file being replaced right now: skip it
    }
  }
  return { nodes: nodes.sort((a, b) => a.serverId - b.serverId), clusters };
}
