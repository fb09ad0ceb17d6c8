import { describe, expect, it } from 'vitest';
import { checkVersionChanges, type RunningVersions } from '../../../src/spec/version-rules.js';
import { validateSpec } from '../../../src/spec/validate.js';
import { BASE, issuesOf } from './helpers.js';

const spec = (talos: string, kubernetes: string): string =>
  `${BASE}talos:\n  version: ${talos}\nkubernetes:\n  version: ${kubernetes}\n`;

describe('versions the spec alone allows', () => {
  it.each([
    ['v1.12.11', 'v1.30.0'],
    ['v1.12.11', 'v1.35.4'],
    ['v1.13.9', 'v1.31.0'],
    ['v1.13.9', 'v1.36.3'],
    ['v1.13.10', 'v1.34.10'],
  ])('Talos %s with Kubernetes %s is valid', (talos, kubernetes) => {
    expect(issuesOf(spec(talos, kubernetes))).toEqual([]);
  });

  it.each(['v1.14.0', 'v1.99.0', 'v1.13.0', 'v1.12.0'])(
    'Talos %s is refused naming the allowed values',
    (talos) => {
      expect(issuesOf(spec(talos, 'v1.34.10'))).toEqual([
        {
          path: 'talos.version',
          line: 9,
          column: 3,
          message: `Talos ${talos} is not supported; allowed: v1.12.11, v1.13.9, v1.13.10`,
        },
      ]);
    },
  );

  it('Kubernetes a newer Talos runs: the refusal says talos.version can change in the same edit', () => {
    expect(issuesOf(spec('v1.12.11', 'v1.36.3'))).toEqual([
      {
        path: 'kubernetes.version',
        line: 11,
        column: 3,
        message:
          'Kubernetes v1.36.3 is not supported by Talos v1.12.11; allowed: v1.30.0 to v1.35.x; Talos v1.13.9, v1.13.10 run it: set talos.version to one of them in the same edit, and hk8s upgrades Talos first, then Kubernetes',
      },
    ]);
    // The same edit with both versions changed is accepted.
    expect(issuesOf(spec('v1.13.10', 'v1.36.3'))).toEqual([]);
  });

  it.each([
    ['v1.13.9', 'v1.30.0', 'v1.31.0 to v1.36.x'],
    ['v1.13.10', 'v1.37.0', 'v1.31.0 to v1.36.x'],
    ['v1.12.11', 'v1.29.9', 'v1.30.0 to v1.35.x'],
  ])('Talos %s with Kubernetes %s is refused naming %s', (talos, kubernetes, range) => {
    expect(issuesOf(spec(talos, kubernetes))).toEqual([
      {
        path: 'kubernetes.version',
        line: 11,
        column: 3,
        message: `Kubernetes ${kubernetes} is not supported by Talos ${talos}; allowed: ${range}`,
      },
    ]);
  });
});

describe('version changes from what the cluster runs', () => {
  const base = (talos: string, kubernetes: string) =>
    validateSpec({
      cluster: { name: 'demo' },
      controlPlane: { pools: [{ name: 'cp', location: 'fsn1', type: 'cpx22' }] },
      talos: { version: talos },
      kubernetes: { version: kubernetes },
    });
  const running = (talos: [string, string], kubernetes: [string, string]): RunningVersions => ({
    talos: { oldest: talos[0], newest: talos[1] },
    kubernetes: { oldest: kubernetes[0], newest: kubernetes[1] },
  });
  const check = (wanted: [string, string], now: RunningVersions, force = false): Array<[string, string]> => {
    const found: Array<[string, string]> = [];
    checkVersionChanges(base(...wanted), now, { force }, (path, message) =>
      found.push([path.join('.'), message]),
    );
    return found;
  };
  const steady = running(['v1.13.9', 'v1.13.9'], ['v1.34.10', 'v1.34.10']);

  it.each([
    ['the same versions', ['v1.13.9', 'v1.34.10']],
    ['a Talos patch up', ['v1.13.10', 'v1.34.10']],
    ['a Kubernetes patch up', ['v1.13.9', 'v1.34.12']],
    ['a Kubernetes minor up', ['v1.13.9', 'v1.35.4']],
    ['a Kubernetes downgrade (not a version rule)', ['v1.13.9', 'v1.33.0']],
  ] as const)('%s is allowed', (_, wanted) => {
    expect(check([...wanted], steady)).toEqual([]);
  });

  it('refuses Kubernetes two minors up, naming the versions one step allows', () => {
    expect(check(['v1.13.9', 'v1.36.3'], steady)).toEqual([
      [
        'kubernetes.version',
        'Kubernetes v1.36.3 is 2 minors above v1.34.10, which the cluster runs; Kubernetes upgrades one minor at a time; allowed: v1.34.x or v1.35.x',
      ],
    ]);
  });

  it('counts from the oldest node mid-upgrade', () => {
    const mixed = running(['v1.13.9', 'v1.13.9'], ['v1.34.10', 'v1.35.4']);
    expect(check(['v1.13.9', 'v1.36.3'], mixed)).toHaveLength(1);
    expect(check(['v1.13.9', 'v1.35.4'], mixed)).toEqual([]);
  });

  it('refuses a Talos downgrade without --force, and allows it with', () => {
    const now = running(['v1.13.10', 'v1.13.10'], ['v1.34.10', 'v1.34.10']);
    expect(check(['v1.13.9', 'v1.34.10'], now)).toEqual([
      [
        'talos.version',
        'Talos v1.13.9 is older than v1.13.10, which the cluster runs; hk8s does not downgrade Talos without --force; allowed: v1.13.10 or newer (v1.13.10)',
      ],
    ]);
    expect(check(['v1.13.9', 'v1.34.10'], now, true)).toEqual([]);
  });

  it('a downgrade is measured against the newest node', () => {
    const mixed = running(['v1.12.11', 'v1.13.9'], ['v1.34.10', 'v1.34.10']);
    expect(check(['v1.12.11', 'v1.34.10'], mixed)).toHaveLength(1);
    expect(check(['v1.13.10', 'v1.34.10'], mixed)).toEqual([]);
  });

  it('refuses an upgrade from a version older than any path hk8s knows', () => {
    const old = running(['v1.10.4', 'v1.10.4'], ['v1.34.10', 'v1.34.10']);
    expect(check(['v1.13.9', 'v1.34.10'], old)).toEqual([
      [
        'talos.version',
        'Talos v1.10.4 → v1.13.9 passes through v1.11, which hk8s does not support; Upgrade one minor at a time through supported versions: v1.12.11, v1.13.9, v1.13.10.',
      ],
    ]);
  });

  it('Talos 1.12 → 1.13 with Kubernetes one minor up in the same edit is allowed', () => {
    const on112 = running(['v1.12.11', 'v1.12.11'], ['v1.35.4', 'v1.35.4']);
    expect(check(['v1.13.10', 'v1.36.3'], on112)).toEqual([]);
  });

  it('refuses a Talos upgrade whose new version does not run the Kubernetes the cluster runs', () => {
    const on112 = running(['v1.12.11', 'v1.12.11'], ['v1.30.2', 'v1.30.2']);
    // Talos goes first, so the nodes would run Kubernetes v1.30 on Talos 1.13 (v1.31.0 and later).
    expect(check(['v1.13.10', 'v1.31.0'], on112)).toEqual([
      [
        'talos.version',
        'Talos v1.13.10 does not run Kubernetes v1.30.2, which the cluster runs (it runs v1.31.0 to v1.36.x), and hk8s upgrades Talos before Kubernetes; allowed: keep talos.version at v1.12.11 and upgrade Kubernetes into that range first',
      ],
    ]);
    expect(check(['v1.12.11', 'v1.31.0'], on112)).toEqual([]);
  });

  it('a cluster with no applied config has nothing to compare', () => {
    expect(check(['v1.12.11', 'v1.30.0'], {})).toEqual([]);
  });
});
