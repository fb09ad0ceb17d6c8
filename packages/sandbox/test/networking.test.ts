import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, fakeEd25519Key, startTestSandbox, type Json, type TestSandbox } from './helpers.js';

let t: TestSandbox;
beforeAll(async () => {
  t = await startTestSandbox();
});
afterAll(async () => {
  await t.close();
});

const server = (name: string, extra: Record<string, unknown> = {}) => createServer(t.api, name, extra);

describe('ssh keys', () => {
  it('computes the MD5 fingerprint, filters by it, and keeps names and fingerprints unique', async () => {
    const key = fakeEd25519Key(1);
    const res = await t.api.post('/ssh_keys', { name: 'k1', public_key: key, labels: { team: 'a' } });
    expect(res.status).toBe(201);
    expect(res.body.ssh_key.fingerprint).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
    const byFp = await t.api.get(`/ssh_keys?fingerprint=${encodeURIComponent(res.body.ssh_key.fingerprint)}`);
    expect(byFp.body.ssh_keys.map((k: Json) => k.name)).toEqual(['k1']);
    const sameKey = await t.api.post('/ssh_keys', { name: 'k2', public_key: key });
    expect(sameKey.status).toBe(409);
    expect(sameKey.body.error.code).toBe('uniqueness_error');
    const sameName = await t.api.post('/ssh_keys', { name: 'k1', public_key: fakeEd25519Key(2) });
    expect(sameName.body.error.code).toBe('uniqueness_error');
    const invalid = await t.api.post('/ssh_keys', { name: 'k3', public_key: 'ssh-ed25519 AAAA garbage' });
    expect(invalid.body.error).toMatchObject({
      code: 'invalid_input',
      details: { fields: [{ name: 'public_key' }] },
    });
    const id = res.body.ssh_key.id;
    expect((await t.api.put(`/ssh_keys/${id}`, { name: 'k1b' })).body.ssh_key.name).toBe('k1b');
    expect((await t.api.get(`/ssh_keys/${id}`)).body.ssh_key.public_key).toBe(key);
    expect((await t.api.delete(`/ssh_keys/${id}`)).status).toBe(204);
    expect((await t.api.get(`/ssh_keys/${id}`)).status).toBe(404);
  });
});

describe('networks', () => {
  it('creates networks with subnets and routes and changes them through actions', async () => {
    const bad = await t.api.post('/networks', { name: 'pub', ip_range: '8.8.0.0/16' });
    expect(bad.body.error.details.fields[0].name).toBe('ip_range');
    const tooSmall = await t.api.post('/networks', { name: 'small', ip_range: '10.9.0.0/25' });
    expect(tooSmall.body.error.code).toBe('invalid_input');
    const res = await t.api.post('/networks', { name: 'main', ip_range: '10.0.0.0/16', labels: { c: 'x' } });
    expect(res.status).toBe(201);
    expect(res.body).not.toHaveProperty('action');
    const id = res.body.network.id;
    const dup = await t.api.post('/networks', { name: 'main', ip_range: '10.2.0.0/16' });
    expect(dup.body.error.code).toBe('uniqueness_error');
    const sub = await t.api.post(`/networks/${id}/actions/add_subnet`, {
      type: 'cloud',
      network_zone: 'eu-central',
    });
    expect(sub.body.action.command).toBe('add_subnet');
    await t.api.settle(sub.body);
    const sub2 = await t.api.post(`/networks/${id}/actions/add_subnet`, {
      type: 'cloud',
      network_zone: 'eu-central',
      ip_range: '10.0.64.0/24',
    });
    await t.api.settle(sub2.body);
    const overlap = await t.api.post(`/networks/${id}/actions/add_subnet`, {
      type: 'cloud',
      network_zone: 'eu-central',
      ip_range: '10.0.64.0/25',
    });
    expect(overlap.body.error.code).toBe('invalid_input');
    const route = await t.api.post(`/networks/${id}/actions/add_route`, {
      destination: '10.100.1.0/24',
      gateway: '10.0.0.5',
    });
    await t.api.settle(route.body);
    let net = (await t.api.get(`/networks/${id}`)).body.network;
    expect(net.subnets.map((s: Json) => [s.ip_range, s.gateway])).toEqual([
      ['10.0.0.0/24', '10.0.0.1'],
      ['10.0.64.0/24', '10.0.0.1'],
    ]);
    expect(net.routes).toEqual([{ destination: '10.100.1.0/24', gateway: '10.0.0.5' }]);
    await t.api.settle(
      (
        await t.api.post(`/networks/${id}/actions/delete_route`, {
          destination: '10.100.1.0/24',
          gateway: '10.0.0.5',
        })
      ).body,
    );
    await t.api.settle(
      (await t.api.post(`/networks/${id}/actions/delete_subnet`, { ip_range: '10.0.64.0/24' })).body,
    );
    const shrink = await t.api.post(`/networks/${id}/actions/change_ip_range`, { ip_range: '10.0.0.0/24' });
    expect(shrink.body.error.code).toBe('invalid_input');
    await t.api.settle(
      (await t.api.post(`/networks/${id}/actions/change_ip_range`, { ip_range: '10.0.0.0/15' })).body,
    );
    await t.api.settle(
      (await t.api.post(`/networks/${id}/actions/change_protection`, { delete: true })).body,
    );
    net = (await t.api.get(`/networks/${id}`)).body.network;
    expect(net).toMatchObject({ ip_range: '10.0.0.0/15', routes: [], protection: { delete: true } });
    expect((await t.api.delete(`/networks/${id}`)).body.error.code).toBe('protected');
    await t.api.settle(
      (await t.api.post(`/networks/${id}/actions/change_protection`, { delete: false })).body,
    );
    expect((await t.api.put(`/networks/${id}`, { name: 'main2', labels: {} })).body.network.name).toBe(
      'main2',
    );
    expect((await t.api.get(`/networks?name=main2`)).body.networks).toHaveLength(1);
    const actions = await t.api.get(`/networks/${id}/actions`);
    expect(actions.body.actions.length).toBeGreaterThanOrEqual(6);
    expect((await t.api.delete(`/networks/${id}`)).status).toBe(204);
  });
});

describe('firewalls', () => {
  it('applies rules to servers and label selectors, and refuses deletion while applied', async () => {
    const s = await server('fw-1', { labels: { role: 'cp' } });
    const res = await t.api.post('/firewalls', {
      name: 'fw',
      labels: { c: 'x' },
      rules: [{ direction: 'in', protocol: 'tcp', port: '6443', source_ips: ['0.0.0.0/0', '::/0'] }],
      apply_to: [{ type: 'label_selector', label_selector: { selector: 'role=cp' } }],
    });
    expect(res.status).toBe(201);
    expect(res.body.actions.map((a: Json) => a.command)).toEqual(['apply_firewall']);
    await t.api.settle(res.body);
    const id = res.body.firewall.id;
    const fw = (await t.api.get(`/firewalls/${id}`)).body.firewall;
    expect(fw.applied_to[0].applied_to_resources).toEqual([{ type: 'server', server: { id: s.id } }]);
    expect((await t.api.get(`/servers/${s.id}`)).body.server.public_net.firewalls).toEqual([
      { id, status: 'applied' },
    ]);
    const badRule = await t.api.post(`/firewalls/${id}/actions/set_rules`, {
      rules: [{ direction: 'in', protocol: 'tcp', source_ips: ['0.0.0.0/0'] }],
    });
    expect(badRule.body.error.code).toBe('invalid_input');
    const set = await t.api.post(`/firewalls/${id}/actions/set_rules`, {
      rules: [{ direction: 'in', protocol: 'icmp', source_ips: ['0.0.0.0/0'] }],
    });
    expect(set.body.actions[0].command).toBe('set_firewall_rules');
    await t.api.settle(set.body);
    const other = await server('fw-2');
    const apply = await t.api.post(`/firewalls/${id}/actions/apply_to_resources`, {
      apply_to: [{ type: 'server', server: { id: other.id } }],
    });
    await t.api.settle(apply.body);
    const twice = await t.api.post(`/firewalls/${id}/actions/apply_to_resources`, {
      apply_to: [{ type: 'server', server: { id: other.id } }],
    });
    expect(twice.body.error.code).toBe('firewall_already_applied');
    const missing = await t.api.post(`/firewalls/${id}/actions/apply_to_resources`, {
      apply_to: [{ type: 'server', server: { id: 1 } }],
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('firewall_resource_not_found');
    const inUse = await t.api.delete(`/firewalls/${id}`);
    expect(inUse.status).toBe(422);
    expect(inUse.body.error.code).toBe('resource_in_use');
    const remove = await t.api.post(`/firewalls/${id}/actions/remove_from_resources`, {
      remove_from: [
        { type: 'server', server: { id: other.id } },
        { type: 'label_selector', label_selector: { selector: 'role=cp' } },
      ],
    });
    expect(remove.body.actions.map((a: Json) => a.command)).toEqual(['remove_firewall', 'remove_firewall']);
    await t.api.settle(remove.body);
    expect((await t.api.put(`/firewalls/${id}`, { name: 'fw-renamed' })).body.firewall.name).toBe(
      'fw-renamed',
    );
    expect((await t.api.get('/firewalls?label_selector=c')).body.firewalls).toHaveLength(1);
    expect((await t.api.delete(`/firewalls/${id}`)).status).toBe(204);
  });
});

describe('placement groups', () => {
  it('holds at most 10 servers: the 11th gets placement_group_member_limit_reached', async () => {
    const res = await t.api.post('/placement_groups', { name: 'spread', type: 'spread', labels: { a: 'b' } });
    expect(res.status).toBe(201);
    expect(res.body.action).toBeNull();
    const id = res.body.placement_group.id;
    for (let i = 1; i <= 10; i++) {
      const s = await t.api.post('/servers', {
        name: `pg-${i}`,
        server_type: 'cpx11',
        image: 'debian-13',
        placement_group: id,
      });
      expect(s.status).toBe(201);
    }
    const eleventh = await t.api.post('/servers', {
      name: 'pg-11',
      server_type: 'cpx11',
      image: 'debian-13',
      placement_group: id,
    });
    expect(eleventh.status).toBe(422);
    expect(eleventh.body.error.code).toBe('placement_group_member_limit_reached');
    expect((await t.api.get('/servers?name=pg-11')).body.servers).toEqual([]);
    const group = (await t.api.get(`/placement_groups/${id}`)).body.placement_group;
    expect(group.servers).toHaveLength(10);
    const bad = await t.api.post(
      '/placement_groups',
      { name: 'x', type: 'cluster' },
      { invalidRequest: true },
    );
    expect(bad.body.error.code).toBe('invalid_input');
    expect((await t.api.get('/placement_groups?type=spread')).body.placement_groups).toHaveLength(1);
    expect((await t.api.put(`/placement_groups/${id}`, { name: 'spread-2' })).body.placement_group.name).toBe(
      'spread-2',
    );
  });

  it('adds an off server to a group and removes it again', async () => {
    const pg = (await t.api.post('/placement_groups', { name: 'pg-b', type: 'spread' })).body.placement_group;
    const s = await server('pgb-1');
    const running = await t.api.post(`/servers/${s.id}/actions/add_to_placement_group`, {
      placement_group: pg.id,
    });
    expect(running.body.error.code).toBe('server_not_stopped');
    await t.api.settle((await t.api.post(`/servers/${s.id}/actions/poweroff`)).body);
    await t.api.settle(
      (await t.api.post(`/servers/${s.id}/actions/add_to_placement_group`, { placement_group: pg.id })).body,
    );
    expect((await t.api.get(`/servers/${s.id}`)).body.server.placement_group.id).toBe(pg.id);
    await t.api.settle((await t.api.post(`/servers/${s.id}/actions/remove_from_placement_group`)).body);
    expect((await t.api.get(`/servers/${s.id}`)).body.server.placement_group).toBeNull();
    expect((await t.api.delete(`/placement_groups/${pg.id}`)).status).toBe(204);
  });
});
