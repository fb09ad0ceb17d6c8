/**
 * The floating_ip module: its desired shape and normalization agree (a created or adopted IP
 * plans nothing more), and its driver against the sandbox creates it at the first control plane's
 * home with delete protection, deletes it even when Talos has assigned it, adopts an existing IP
 * by id and gives it back instead of deleting it, and refuses one that another cluster owns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { infraLayout } from '../../src/engine/infra.js';
import { diffResources } from '../../src/plan/diff.js';
import type { DesiredResource, ObservedResource } from '../../src/plan/types.js';
import type { HcloudApi } from '../../src/providers/hcloud/index.js';
import { inProcessSandbox, quietRunContext, type InProcessSandbox } from '../support/in-process-sandbox.js';
import { floatingIp } from '../../src/resources/hcloud/floating-ip.js';
import type { DriverContext } from '../../src/resources/types.js';
import type { Spec } from '../../src/spec/schema.js';
import { validateSpec } from '../../src/spec/validate.js';

const ADDRESS = 'floating_ip.control-plane';

function specOf(extra: Record<string, unknown> = {}, cluster: Record<string, unknown> = {}): Spec {
  return validateSpec({
    cluster: { name: 'fip', ...cluster },
    firewall: { apiSources: ['127.0.0.1/32'] },
    controlPlane: { pools: [{ name: 'cp', location: 'nbg1', type: 'cpx22', count: 3 }], ...extra },
  });
}

function desiredOf(spec: Spec): DesiredResource[] {
  return floatingIp.desired({ spec, layout: infraLayout(spec), facts: { servers: {} } });
}

let running: InProcessSandbox;
let api: HcloudApi;
const run = quietRunContext();
const ctx = (): DriverContext => ({ api, run, address: ADDRESS, cluster: 'fip' });

async function observe(): Promise<ObservedResource[]> {
  const listed = await floatingIp.observe?.list(api, { labelSelector: 'hk8s.io/cluster=fip' });
  const book = { addressOf: () => undefined, observed: () => [] };
  return (listed ?? []).map((o) => ({
    address: ADDRESS,
    type: 'floating_ip',
    id: String(o.id),
    props: o.normalize(book),
  }));
}

beforeAll(async () => {
  running = await inProcessSandbox('fip', { seedImages: true });
  api = running.api;
});

afterAll(async () => {
  await running?.close();
});

describe('the floating_ip module', () => {
  it('is desired only when the public VIP is on', () => {
    expect(desiredOf(specOf()).map((d) => d.address)).toEqual([ADDRESS]);
    expect(desiredOf(specOf({ publicVipIpv4: { enabled: false } }))).toEqual([]);
    expect(desiredOf(specOf({ pools: [{ name: 'cp', location: 'nbg1', type: 'cpx22', count: 1 }] }))).toEqual(
      [],
    );
  });

  it("creates it at the first control plane's home, protected, and plans nothing more", async () => {
    const [want] = desiredOf(specOf());
    if (!want) throw new Error('no desired floating IP');
    const record = await floatingIp.driver.create(ctx(), want.props);
    expect(record.attrs.name).toBe('fip-control-plane-ipv4');
    const seen = await api.floatingIps.get(Number(record.id));
    expect(seen?.home_location.name).toBe('nbg1');
    expect(seen?.type).toBe('ipv4');
    expect(seen?.protection.delete).toBe(true);
    expect(seen?.labels['hk8s.io/address']).toBe(ADDRESS);
    expect(record.attrs.ip).toBe(seen?.ip);
    expect(diffResources([want], await observe())).toEqual([]);
    // A new home cannot be had in place.
    const moved = desiredOf(specOf({ pools: [{ name: 'cp', location: 'hel1', type: 'cpx22', count: 3 }] }));
    expect(diffResources(moved, await observe()).map((a) => a.kind)).toEqual(['replace']);
    // Found again by its address label (resume).
    expect((await floatingIp.driver.find(ctx()))?.id).toBe(record.id);
  });

  it('deletes it even while Talos has it assigned to a server', async () => {
    const [have] = await observe();
    if (!have) throw new Error('nothing observed');
    const server = await api.servers.create(
      {
        name: 'holder',
        server_type: 'cpx11',
        image: 'debian-13',
        location: 'nbg1',
        start_after_create: true,
        labels: { 'hk8s.io/address': 'x' },
      },
      'x',
    );
    await api.waitForActions(server.actions.map((a) => a.id));
    const assign = await fetch(`${running.sandbox.url}/floating_ips/${have.id}/actions/assign`, {
      method: 'POST',
      headers: { authorization: 'Bearer test', 'content-type': 'application/json' },
      body: JSON.stringify({ server: server.resource.id }),
    });
    expect(assign.status).toBe(201);
    await floatingIp.driver.delete(ctx(), have.id, have.props);
    expect(await api.floatingIps.get(Number(have.id))).toBeUndefined();
    expect(await floatingIp.driver.find(ctx())).toBeUndefined();
  });

  it('adopts an existing floating IP by id and gives it back, not deleting it, on delete', async () => {
    const made = await fetch(`${running.sandbox.url}/floating_ips`, {
      method: 'POST',
      headers: { authorization: 'Bearer test', 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'ipv4', home_location: 'fsn1', name: 'mine', labels: { team: 'a' } }),
    });
    const existing = ((await made.json()) as { floating_ip: { id: number; ip: string } }).floating_ip;
    const spec = specOf({ publicVipIpv4: { existingId: existing.id } }, { deleteProtection: false });
    const [want] = desiredOf(spec);
    if (!want) throw new Error('no desired floating IP');
    expect(want.props).toMatchObject({ existing_id: existing.id });
    expect(want.props.name).toBeUndefined();
    const record = await floatingIp.driver.create(ctx(), want.props);
    expect([record.id, record.attrs.ip, record.attrs.adopted]).toEqual([
      String(existing.id),
      existing.ip,
      true,
    ]);
    expect(diffResources([want], await observe())).toEqual([]);
    // A label change keeps the owner's labels.
    const relabel = diffResources(
      [{ ...want, props: { ...want.props, labels: { ...(want.props.labels as object), extra: 'x' } } }],
      await observe(),
    )[0];
    if (relabel?.kind !== 'update') throw new Error('expected an update');
    await floatingIp.driver.update(ctx(), relabel);
    expect((await api.floatingIps.get(existing.id))?.labels).toMatchObject({ team: 'a', extra: 'x' });
    const [have] = await observe();
    if (!have) throw new Error('nothing observed');
    await floatingIp.driver.delete(ctx(), have.id, have.props);
    const back = await api.floatingIps.get(existing.id);
    expect(back?.name).toBe('mine');
    // Only hk8s.io/ labels go: whatever else it carries is its owner's.
    expect(back?.labels).toEqual({ team: 'a', extra: 'x' });
  });

  it('refuses an id that does not exist or that another cluster owns', async () => {
    const adopt = (id: number) =>
      floatingIp.driver.create(ctx(), {
        existing_id: id,
        labels: { 'hk8s.io/cluster': 'fip', 'hk8s.io/address': ADDRESS },
      });
    await expect(adopt(999_999)).rejects.toMatchObject({
      code: 'provider.api',
      where: 'controlPlane.publicVipIpv4.existingId',
    });
    const made = await fetch(`${running.sandbox.url}/floating_ips`, {
      method: 'POST',
      headers: { authorization: 'Bearer test', 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'ipv4',
        home_location: 'fsn1',
        labels: { 'hk8s.io/cluster': 'other', 'hk8s.io/address': ADDRESS },
      }),
    });
    const theirs = ((await made.json()) as { floating_ip: { id: number } }).floating_ip;
    await expect(adopt(theirs.id)).rejects.toThrow(/cannot be this cluster's public VIP/);
  });
});
