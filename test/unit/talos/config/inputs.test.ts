/**
 * A plan trusts an unchanged inputs digest to mean an unchanged config (src/talos/config/inputs.ts),
 * so the builder's output for fixed inputs is pinned here, per CONFIG_RENDER_REVISION: a change to
 * the builder that changes its output must bump the revision (and update the pins), or a plan
 * would not see that the nodes' configs changed.
 */
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../../../src/plan/hash.js';
import {
  buildMachineConfig,
  CONFIG_RENDER_REVISION,
  configInputsHash,
  machineConfigYaml,
} from '../../../../src/talos/config/index.js';
import { EXAMPLES, exampleSpec, nodeInput, withWorkerPool } from './fixtures.js';

/** sha256 of the YAML of each example's first node of each role, at the revision above. */
const PINNED: Record<number, Record<string, string>> = {
  1: {
    'minimal/controlplane': '252c9e14694e49556cac8bc2eee01d87604b75bc96d5a63ff93736e22981437a',
    'minimal/worker': 'a3eeadbd6b78b1f868783501c8f98c787871c498891a5b9d343cce815943ff39',
    'ha/controlplane': '5fbb6d5690cfd278a516daba18db42aafc2556249363c674e340705f37c8895b',
    'ha/worker': 'd6db1b2ed3b3333ee7c5e11487d1f8aed608ee926b2f1de9169e0ead82b1babe',
    'full/controlplane': 'e7d89d425c1dde9f498e6eb7f600f5db1b7735490476dc8fa1107b8b85e70ac5',
    'full/worker': '957635a6988192e594584be63c4d7072aae5016ad380ef5aa36c07d808cd57fb',
  },
};

describe('the config builder against CONFIG_RENDER_REVISION', () => {
  for (const example of EXAMPLES) {
    for (const role of ['controlplane', 'worker'] as const) {
      it(`${example}, ${role}: the output is the one pinned for revision ${CONFIG_RENDER_REVISION}`, async () => {
        const spec = withWorkerPool(await exampleSpec(example));
        const input = nodeInput(spec, role);
        const yaml = machineConfigYaml(buildMachineConfig(input));
        const pinned = PINNED[CONFIG_RENDER_REVISION]?.[`${example}/${role}`];
        expect(
          sha256(yaml),
          'the builder output changed: bump CONFIG_RENDER_REVISION in src/talos/config/inputs.ts and pin the new hashes',
        ).toBe(pinned);
        expect(configInputsHash(input)).toMatch(/^[0-9a-f]{64}$/);
      });
    }
  }
});
