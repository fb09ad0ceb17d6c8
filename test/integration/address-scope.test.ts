/**
 * Every cluster of a Hetzner project uses the same addresses (`ssh_key.main`, `network.main`, …):
 * finding the object at an address — to adopt a create whose answer was lost, or on resume — must
 * find this cluster's, never another's. Seen before the fix as a second cluster adopting the
 * first one's SSH key, whose next apply then failed with "same fingerprint already exists".
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { HcloudApi } from '../../src/providers/hcloud/index.js';
import { network } from '../../src/resources/hcloud/network.js';
import { sshKey } from '../../src/resources/hcloud/ssh-key.js';
import { inProcessSandbox, quietRunContext, type InProcessSandbox } from '../support/in-process-sandbox.js';

const run = quietRunContext();
let sandbox: InProcessSandbox;
let api: HcloudApi;

beforeAll(async () => {
  sandbox = await inProcessSandbox('scope');
  api = sandbox.api;
});

afterAll(async () => {
  await sandbox?.close();
});

it("finds only this cluster's object at an address shared by every cluster", async () => {
  const labels = (cluster: string, address: string) => ({
    'hk8s.io/cluster': cluster,
    'hk8s.io/address': address,
  });
  const theirs = await api.sshKeys.create(
    {
      name: 'other',
      public_key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB9YyO4LkTLfjJpKfDd6QnE1Cz0dpS6Ac3xUE5VLNm2K other',
      labels: labels('other', 'ssh_key.main'),
    },
    'ssh_key.main',
  );
  await api.networks.create(
    { name: 'other', ip_range: '10.0.0.0/16', labels: labels('other', 'network.main') },
    'network.main',
  );
  const mine = { api, run, address: 'ssh_key.main', cluster: 'mine' };
  expect(await sshKey.driver.find(mine)).toBeUndefined();
  expect(await network.driver.find({ ...mine, address: 'network.main' })).toBeUndefined();
  const found = await sshKey.driver.find({ ...mine, cluster: 'other' });
  expect(found?.id).toBe(String(theirs.resource.id));
});
