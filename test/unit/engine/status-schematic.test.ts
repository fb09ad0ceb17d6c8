/**
 * `hk8s status`'s schematic check: which nodes run another schematic than the spec's, and which of
 * them the next apply would upgrade — only those the upgrade planner plans (another Talos version,
 * or another schematic in the installer hk8s recorded), never a promise for a node changed behind
 * hk8s's back.
 */
import { describe, expect, it } from 'vitest';
import { schematicDrift, type NodeStatus } from '../../../src/engine/status.js';
import { installerImage } from '../../../src/plan/talos/installer.js';
import { talosNodes } from '../../../src/plan/talos/nodes.js';
import type { Spec } from '../../../src/spec/schema.js';
import { validateSpec } from '../../../src/spec/validate.js';
import type { State } from '../../../src/state/reducer.js';
import { schematicIdFor } from '../../../src/talos/config/schematic.js';

const VERSION = 'v1.13.10';
const OTHER = '376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba';

const spec: Spec = validateSpec({
  cluster: { name: 'unit' },
  firewall: { apiSources: ['127.0.0.1/32'] },
  talos: { version: VERSION },
  controlPlane: { pools: [{ name: 'cp', location: 'fsn1', type: 'cpx22', count: 1 }] },
  workers: { pools: [{ name: 'w', location: 'fsn1', type: 'cpx32', count: 2 }] },
});
const nodes = talosNodes(spec);
const wanted = schematicIdFor(spec);

/** A state whose config records carry the installer hk8s last installed on each node. */
function stateWith(installers: Record<string, string>): State {
  const resources: State['resources'] = {};
  for (const node of nodes) {
    const address = `talos.config.${node.server.slice('server.'.length)}`;
    const installer = installers[node.server] ?? installerImage(spec, VERSION);
    resources[address] = {
      address,
      type: 'talos_config',
      id: '1',
      attrs: { server: node.server, installer },
    };
  }
  return { resources, secrets: {} } as unknown as State;
}

function reported(schematics: Record<string, { schematic?: string; version?: string }>): NodeStatus[] {
  return nodes.map((n) => {
    const seen = schematics[n.server] ?? {};
    const schematic = 'schematic' in seen ? seen.schematic : wanted;
    return {
      server: n.server,
      name: n.hostname,
      role: n.role,
      configured: true,
      reachable: true,
      talosVersion: seen.version ?? VERSION,
      ...(schematic ? { schematic } : {}),
    };
  });
}

describe('schematicDrift', () => {
  const [cp, w1, w2] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];

  it('is absent when every node runs the spec schematic or does not say', () => {
    const results = reported({ [w2.server]: { schematic: undefined } });
    expect(schematicDrift(spec, stateWith({}), nodes, results, wanted)).toBeUndefined();
  });

  it('names a node changed outside hk8s but promises no upgrade for it', () => {
    const results = reported({ [w1.server]: { schematic: OTHER } });
    expect(schematicDrift(spec, stateWith({}), nodes, results, wanted)).toEqual({
      nodes: [w1.hostname],
      upgradedByApply: [],
    });
  });

  it('says apply upgrades a node whose recorded installer has another schematic, or another version', () => {
    const results = reported({
      [cp.server]: { schematic: OTHER },
      [w2.server]: { schematic: OTHER, version: 'v1.13.9' },
    });
    const state = stateWith({ [cp.server]: `factory.talos.dev/hcloud-installer/${OTHER}:${VERSION}` });
    expect(schematicDrift(spec, state, nodes, results, wanted)).toEqual({
      nodes: [cp.hostname, w2.hostname],
      upgradedByApply: [cp.hostname, w2.hostname],
    });
  });
});
