import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Hk8sError } from '../../../src/errors.js';
import {
  TALOS_MINORS,
  compareVersions,
  isSupportedTalos,
  kubernetesInRange,
  kubernetesRangeFor,
  kubernetesUpgradePath,
  latestTalosVersion,
  minorDistance,
  parseVersion,
  supportedTalosVersions,
  talosUpgradePath,
  upgradeAllowed,
} from '../../../src/talos/versions.js';

function thrown(run: () => unknown): Hk8sError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(Hk8sError);
  return caught as Hk8sError;
}

describe('parseVersion', () => {
  it.each([
    ['v1.13.9', { major: 1, minor: 13, patch: 9 }],
    ['1.36.3', { major: 1, minor: 36, patch: 3 }],
    ['v1.36', { major: 1, minor: 36, patch: 0 }],
    ['v1.14.0-rc.1', { major: 1, minor: 14, patch: 0, pre: 'rc.1' }],
    [' v1.12.11 ', { major: 1, minor: 12, patch: 11 }],
  ])('%s', (text, expected) => {
    expect(parseVersion(text)).toEqual(expected);
  });

  it.each(['', 'latest', 'v1', 'v1.13.9.1', '1.x.0'])('%j is no version', (text) => {
    expect(parseVersion(text)).toBeUndefined();
  });
});

describe('compareVersions', () => {
  it.each([
    ['v1.13.9', 'v1.13.10', -1],
    ['v1.13.10', 'v1.13.9', 1],
    ['v1.12.11', 'v1.13.0', -1],
    ['v1.13.9', '1.13.9', 0],
    ['v1.14.0-rc.1', 'v1.14.0', -1],
    ['v1.14.0-rc.1', 'v1.14.0-rc.2', -1],
    ['v2.0.0', 'v1.99.99', 1],
  ])('%s vs %s → %d', (a, b, expected) => {
    expect(compareVersions(a, b)).toBe(expected);
  });

  it('refuses text that is no version', () => {
    expect(thrown(() => compareVersions('latest', 'v1.13.9')).code).toBe('spec.invalid');
  });
});

describe('supported Talos versions', () => {
  it('lists the last 1.12 patch and the 1.13 patches, oldest first', () => {
    expect(supportedTalosVersions()).toEqual(['v1.12.11', 'v1.13.9', 'v1.13.10']);
    expect(latestTalosVersion()).toBe('v1.13.10');
  });

  it.each([
    ['v1.12.11', true],
    ['v1.13.9', true],
    ['v1.13.10', true],
    ['v1.13.0', false],
    ['v1.12.0', false],
    ['v1.14.0', false],
    ['v1.99.0', false],
    ['1.13.9', false],
  ])('%s supported: %s', (version, expected) => {
    expect(isSupportedTalos(version)).toBe(expected);
  });

  it.each(TALOS_MINORS.map((entry) => [entry.minor]))('%s has its schema vendored', (minor) => {
    const url = new URL(`../../../vendor/talos/talos-config.schema.${minor}.json`, import.meta.url);
    const schema = JSON.parse(readFileSync(url, 'utf8')) as { $id: string };
    expect(schema.$id).toBe(`https://talos.dev/${minor}/schemas/config.schema.json`);
  });
});

describe('kubernetesRangeFor', () => {
  it.each([
    ['v1.12.11', { min: 'v1.30.0', maxMinor: 'v1.35' }],
    ['v1.13.9', { min: 'v1.31.0', maxMinor: 'v1.36' }],
    ['v1.13.10', { min: 'v1.31.0', maxMinor: 'v1.36' }],
  ])('%s', (talos, range) => {
    expect(kubernetesRangeFor(talos)).toEqual(range);
  });

  it('refuses an unknown Talos minor naming the supported versions', () => {
    const error = thrown(() => kubernetesRangeFor('v1.14.0'));
    expect(error.where).toBe('talos.version');
    expect(error.hint).toContain('v1.12.11, v1.13.9, v1.13.10');
  });

  it.each([
    ['v1.31.0', 'v1.13.9', true],
    ['v1.36.99', 'v1.13.9', true],
    ['v1.30.9', 'v1.13.9', false],
    ['v1.37.0', 'v1.13.9', false],
    ['v1.30.0', 'v1.12.11', true],
    ['v1.35.4', 'v1.12.11', true],
    ['v1.36.0', 'v1.12.11', false],
    ['v1.36.0-rc.1', 'v1.13.9', true],
    ['latest', 'v1.13.9', false],
  ])('Kubernetes %s on Talos %s: %s', (kubernetes, talos, expected) => {
    expect(kubernetesInRange(kubernetes, kubernetesRangeFor(talos))).toBe(expected);
  });
});

describe('talosUpgradePath', () => {
  it.each([
    ['v1.13.9', 'v1.13.10', ['v1.13.10']],
    ['v1.12.11', 'v1.13.10', ['v1.13.10']],
    ['v1.12.11', 'v1.13.9', ['v1.13.9']],
    ['v1.13.10', 'v1.13.10', []],
    ['v1.13.10', 'v1.13.9', ['v1.13.9']],
    // An older host passes through the last patch of every minor in between.
    ['v1.11.6', 'v1.13.10', ['v1.12.11', 'v1.13.10']],
  ])('%s → %s passes %j', (from, to, path) => {
    expect(talosUpgradePath(from, to)).toEqual(path);
  });

  it('refuses a target hk8s does not support', () => {
    expect(thrown(() => talosUpgradePath('v1.13.9', 'v1.14.0')).where).toBe('talos.version');
  });

  it('refuses a host older than every minor hk8s knows', () => {
    expect(thrown(() => talosUpgradePath('v1.9.5', 'v1.12.11')).message).toMatch(/passes through v1\.10/);
  });

  it('refuses a path through a minor hk8s does not know', () => {
    expect(thrown(() => talosUpgradePath('v1.10.2', 'v1.13.9')).message).toMatch(/passes through v1\.11/);
  });
});

describe('upgradeAllowed', () => {
  it.each([
    ['v1.12.11', 'v1.13.10', true],
    ['v1.11.0', 'v1.13.9', true],
    ['v1.10.9', 'v1.13.9', false],
    ['v1.10.0', 'v1.12.11', true],
    ['v1.9.5', 'v1.12.11', false],
    ['v1.13.9', 'v1.14.0', false],
  ])('%s → %s: %s', (host, target, expected) => {
    expect(upgradeAllowed(host, target)).toBe(expected);
  });
});

describe('kubernetesUpgradePath', () => {
  it.each([
    ['v1.35.4', 'v1.36.3', ['v1.36.3']],
    ['v1.36.0', 'v1.36.3', ['v1.36.3']],
    ['v1.34.10', 'v1.36.3', ['v1.35.4', 'v1.36.3']],
    ['v1.32.1', 'v1.35.0', ['v1.33.0', 'v1.34.0', 'v1.35.0']],
    ['v1.36.3', 'v1.36.3', []],
    ['v1.36.3', 'v1.35.4', ['v1.35.4']],
  ])('%s → %s passes %j', (from, to, path) => {
    expect(kubernetesUpgradePath(from, to)).toEqual(path);
  });
});

describe('minorDistance', () => {
  it.each([
    ['v1.34.10', 'v1.36.0', 2],
    ['v1.35.4', 'v1.36.3', 1],
    ['v1.36.3', 'v1.36.0', 0],
    ['v1.36.3', 'v1.35.0', -1],
  ])('%s → %s is %d', (from, to, expected) => {
    expect(minorDistance(from, to)).toBe(expected);
  });
});
