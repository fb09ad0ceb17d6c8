/**
 * Every spec field listed here changes what the planners produce: the Hetzner resources, the Talos
 * machine configs of a control plane and a worker, and the addons' rendered objects. Each case sets
 * one field to a value other than its default (on a spec that may need something else switched
 * on first: `base`) and fails when the outputs stay the same, i.e. when the field is ignored. The
 * cases are in test/support/field-effects.ts; test/unit/spec/support.test.ts counts a field listed
 * there as applied.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { desiredInfrastructure } from '../../../src/plan/hcloud/desired.js';
import { infraLayout } from '../../../src/engine/infra.js';
import { renderAddons } from '../../../src/addons/render.js';
import type { AddonRegistry } from '../../../src/addons/registry.js';
import { settingsSchemas } from '../../../src/addons/registry.js';
import { resolveNetworkLayout } from '../../../src/spec/network.js';
import { validateSpec } from '../../../src/spec/validate.js';
import type { Spec } from '../../../src/spec/schema.js';
import { buildMachineConfig, machineConfigYaml } from '../../../src/talos/config/index.js';
import {
  certSans,
  controlPlaneVips,
  externalEndpoint,
  internalEndpoint,
} from '../../../src/plan/talos/endpoint.js';
import type { ClusterFacts } from '../../../src/plan/talos/nodes.js';
import { nodeInput } from '../talos/config/fixtures.js';
import { firstPartyRegistry } from '../../support/first-party-addons.js';
import { CASES, FIELDS_WITH_EFFECT, baseInput } from '../../support/field-effects.js';

/** Sets `path` (`a.b[0].c`, or `a.b[].c` meaning the first item) in a plain object, creating maps. */
function setAt(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path
    .replace(/\[\]/g, '[0]')
    .split(/\.|(?=\[)/)
    .map((key) => (key.startsWith('[') ? Number(key.slice(1, -1)) : key));
  let node: Record<string | number, unknown> = target;
  for (const [index, key] of keys.entries()) {
    if (index === keys.length - 1) {
      node[key] = value;
      return;
    }
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string | number, unknown>;
  }
}

let registry: AddonRegistry;
beforeAll(async () => {
  registry = await firstPartyRegistry();
});

function specOf(edits: Record<string, unknown>): Spec {
  const input = baseInput();
  for (const [path, value] of Object.entries(edits)) setAt(input, path, value);
  return validateSpec(input, undefined, settingsSchemas(registry));
}

/** Addresses of things that exist, so that the endpoint choices have something to choose from. */
const FACTS: ClusterFacts = {
  servers: {},
  kubeApiLbIpv4: '203.0.113.20',
  floatingIpv4: '203.0.113.30',
};

/** What the planners make of a spec, as one comparable text. */
function outputs(spec: Spec): string {
  const layout = resolveNetworkLayout(spec);
  const endpoints = {
    internal: internalEndpoint(spec, layout, FACTS),
    external: externalEndpoint(spec, layout, FACTS),
    certSans: certSans(spec, layout, FACTS),
    vips: controlPlaneVips(spec, layout, FACTS),
  };
  const infra = desiredInfrastructure({
    spec,
    layout: infraLayout(spec),
    facts: { operatorIpv4: '198.51.100.7', operatorIpv6: '2001:db8:1::7', servers: {} },
  });
  const configs = (['controlplane', 'worker'] as const).map((role) =>
    machineConfigYaml(buildMachineConfig(nodeInput(spec, role))),
  );
  const addons = renderAddons(registry, spec, { layout, endpoint: 'https://10.0.64.254:6443' });
  return JSON.stringify({ infra, configs, addons, endpoints });
}

describe('every applied field changes what hk8s plans', () => {
  it('the cases name each field once', () => {
    expect(new Set(FIELDS_WITH_EFFECT).size).toBe(FIELDS_WITH_EFFECT.length);
  });

  it.each(CASES)('%s', (field, value, base = {}, at = field) => {
    const before = outputs(specOf(base));
    const after = outputs(specOf({ ...base, [at]: value }));
    expect(after, `${field}: ${JSON.stringify(value)} left the planned output unchanged`).not.toBe(before);
  });
});
