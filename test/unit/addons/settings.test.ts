import { beforeAll, describe, expect, it } from 'vitest';
import { validateSpec, SpecValidationError, type SpecIssue } from '../../../src/spec/validate.js';
import { parseYamlSource } from '../../../src/spec/yaml-source.js';
import { specJsonSchema } from '../../../src/spec/json-schema.js';
import type { AddonSettingsSchemas } from '../../../src/spec/sections/addons.js';
import { BASE } from '../spec/helpers.js';
import { firstPartySchemas } from '../../support/first-party-addons.js';

let schemas: AddonSettingsSchemas;
beforeAll(async () => {
  schemas = await firstPartySchemas();
});

function issuesOf(text: string): SpecIssue[] {
  const source = parseYamlSource('hk8s.yaml', text);
  try {
    validateSpec(
      source.value,
      { path: 'hk8s.yaml', text, doc: source.doc, lineCounter: source.lineCounter },
      schemas,
    );
    return [];
  } catch (error) {
    if (error instanceof SpecValidationError) return error.issues;
    throw error;
  }
}

describe('addon settings in the spec', () => {
  it.each([
    ['cilium', true, '1.19.6'],
    ['hcloudCcm', true, '1.35.0'],
    ['hcloudCsi', true, '2.22.1'],
    ['talosCcm', true, '0.5.5'],
    ['metricsServer', true, '3.13.1'],
    ['certManager', false, 'v1.20.3'],
    ['ingressNginx', false, '4.15.1'],
    ['longhorn', false, '1.11.3'],
  ])('%s defaults to enabled=%s with chart version %s', (name, enabled, version) => {
    const spec = validateSpec(parseYamlSource('hk8s.yaml', BASE).value, undefined, schemas);
    const settings = spec.addons[name] as { enabled: boolean; chart: { version: string } };
    expect(settings.enabled).toBe(enabled);
    expect(settings.chart.version).toBe(version);
  });

  it('fills the cilium defaults of the reference module', () => {
    const spec = validateSpec(parseYamlSource('hk8s.yaml', BASE).value, undefined, schemas);
    expect(spec.addons.cilium).toMatchObject({
      kubeProxyReplacement: true,
      routingMode: 'native',
      encryption: { enabled: true, type: 'wireguard', ipsec: { keySize: 256, keyId: 1 } },
    });
    expect(spec.addons.helmController).toEqual({ enabled: true, replicas: 1 });
  });

  it.each([
    [
      `${BASE}addons:\n  cilium:\n    hubble:\n      enabled: true\n      ui: true\n`,
      'addons.cilium.hubble.ui',
      /needs hubble.relay/,
      12,
    ],
    [
      `${BASE}addons:\n  metricsServer:\n    replicas: 0\n`,
      'addons.metricsServer.replicas',
      /at least 1/,
      10,
    ],
    [`${BASE}addons:\n  cilium:\n    routingMode: bgp\n`, 'addons.cilium.routingMode', /native|tunnel/, 10],
    [
      `${BASE}addons:\n  hcloudCcm:\n    loadBalancers:\n      healthCheck:\n        interval: 3\n        timeout: 9\n`,
      'addons.hcloudCcm.loadBalancers.healthCheck.timeout',
      /exceed/,
      13,
    ],
    [`${BASE}addons:\n  cilum:\n    enabled: true\n`, 'addons.cilum', /did you mean cilium\?/, 9],
    [
      `${BASE}addons:\n  acme-logging:\n    enabled: true\n`,
      'addons["acme-logging"]',
      /no installed plugin provides addon acme-logging/,
      9,
    ],
    [
      `${BASE}addons:\n  hcloudCsi:\n    encryptionPassphrase:\n      env: X\n`,
      'addons.hcloudCsi.encryptionPassphrase',
      /unknown field/,
      10,
    ],
  ])('%#: names the bad field %s', (yaml, path, message, line) => {
    const issue = issuesOf(yaml).find((candidate) => candidate.path === path);
    expect(issue, JSON.stringify(issuesOf(yaml))).toBeDefined();
    expect(issue?.message).toMatch(message);
    expect(issue?.line).toBe(line);
  });

  it('fills the defaults of the reference module for the addons that are no chart', () => {
    const spec = validateSpec(parseYamlSource('hk8s.yaml', BASE).value, undefined, schemas);
    expect(spec.addons.gatewayApiCrds).toEqual({ enabled: true, version: 'v1.4.1', channel: 'standard' });
    expect(spec.addons.talosBackup).toEqual({
      enabled: true,
      version: 'v0.1.0-beta.3-3-g38dad7c',
      schedule: '0 * * * *',
      s3: { pathStyle: false, accessKeyId: '', secretAccessKey: '' },
      compression: false,
    });
    expect(spec.addons.rbac).toEqual({ enabled: true });
  });

  it.each([
    [
      `${BASE}addons:\n  gatewayApiCrds:\n    channel: beta\n`,
      'addons.gatewayApiCrds.channel',
      /standard|experimental/,
      10,
    ],
    [
      `${BASE}addons:\n  gatewayApiCrds:\n    version: latest\n`,
      'addons.gatewayApiCrds.version',
      /release tag/,
      10,
    ],
    [
      `${BASE}addons:\n  ingressNginx:\n    kind: DaemonSet\n    replicas: 2\n`,
      'addons.ingressNginx.replicas',
      /not be set with kind DaemonSet/,
      11,
    ],
    [
      `${BASE}addons:\n  ingressNginx:\n    externalTrafficPolicy: Any\n`,
      'addons.ingressNginx.externalTrafficPolicy',
      /Cluster|Local/,
      10,
    ],
    [
      `${BASE}addons:\n  longhorn:\n    defaultStorageClass: yes please\n`,
      'addons.longhorn.defaultStorageClass',
      /true or false/,
      10,
    ],
    [
      `${BASE}addons:\n  talosBackup:\n    schedule: hourly\n`,
      'addons.talosBackup.schedule',
      /five fields/,
      10,
    ],
    [
      `${BASE}addons:\n  talosBackup:\n    s3:\n      bucket: etcd\n      accessKeyId: a\n      secretAccessKey: b\n`,
      'addons.talosBackup.s3.region',
      /required when a bucket is set/,
      10,
    ],
    [
      `${BASE}addons:\n  talosBackup:\n    s3:\n      hcloudUrl: https://etcd.fsn1.your-objectstorage.com\n`,
      'addons.talosBackup.s3.secretAccessKey',
      /required when a bucket is set/,
      10,
    ],
    [
      `${BASE}addons:\n  talosBackup:\n    s3:\n      hcloudUrl: https://s3.amazonaws.com/etcd\n`,
      'addons.talosBackup.s3.hcloudUrl',
      /your-objectstorage\.com/,
      11,
    ],
    [
      `${BASE}addons:\n  talosBackup:\n    ageX25519PublicKey: ssh-rsa AAA\n`,
      'addons.talosBackup.ageX25519PublicKey',
      /age X25519/,
      10,
    ],
    [`${BASE}addons:\n  rbac:\n    enabled: maybe\n`, 'addons.rbac.enabled', /true or false/, 10],
  ])('%#: names the bad field %s of the newer addons', (yaml, path, message, line) => {
    const issue = issuesOf(yaml).find((candidate) => candidate.path === path);
    expect(issue, JSON.stringify(issuesOf(yaml))).toBeDefined();
    expect(issue?.message).toMatch(message);
    expect(issue?.line).toBe(line);
  });

  it('refuses RBAC from the spec when the rbac addon is off', () => {
    const text = `${BASE}kubernetes:\n  rbac:\n    clusterRoles:\n      - name: reader\n        rules: [{ resources: [pods], verbs: [get] }]\naddons:\n  rbac:\n    enabled: false\n`;
    const issue = issuesOf(text).find((candidate) => candidate.path === 'kubernetes.rbac.clusterRoles');
    expect(issue?.message).toMatch(/rendered by the rbac addon, which is disabled/);
  });

  it('accepts an unknown addon that is switched off', () => {
    expect(issuesOf(`${BASE}addons:\n  acme-logging:\n    enabled: false\n`)).toEqual([]);
  });

  it('puts every addon schema into the JSON Schema', () => {
    const schema = specJsonSchema(schemas) as {
      properties: { addons: { properties: Record<string, unknown> } };
    };
    expect(Object.keys(schema.properties.addons.properties).sort()).toEqual([
      'certManager',
      'cilium',
      'gatewayApiCrds',
      'hcloudCcm',
      'hcloudCsi',
      'helmController',
      'ingressNginx',
      'longhorn',
      'metricsServer',
      'rbac',
      'talosBackup',
      'talosCcm',
    ]);
  });
});
