/**
 * Network operations. Subnet and route changes add or remove one entry: repeating one after it took
 * effect fails (or, for `add_subnet` without `ip_range`, adds a second subnet), so they are
 * non-idempotent. `change_protection` sets absolute flags and is safe to repeat.
 */
import type { NetworkApi } from '../api.js';
import type { Transport } from '../transport.js';
import { crudFor } from './crud.js';
import { postAction } from './shared.js';

export function networkApi(t: Transport): NetworkApi {
  return {
    ...crudFor(t, 'networks'),
    addSubnet: (id, body, o) =>
      postAction(
        t,
        '/networks/{id}/actions/add_subnet',
        'add_subnet_to_network',
        'non-idempotent',
        id,
        body,
        o,
      ),
    deleteSubnet: (id, body, o) =>
      postAction(
        t,
        '/networks/{id}/actions/delete_subnet',
        'delete_subnet_from_network',
        'non-idempotent',
        id,
        body,
        o,
      ),
    addRoute: (id, body, o) =>
      postAction(
        t,
        '/networks/{id}/actions/add_route',
        'add_route_to_network',
        'non-idempotent',
        id,
        body,
        o,
      ),
    deleteRoute: (id, body, o) =>
      postAction(
        t,
        '/networks/{id}/actions/delete_route',
        'delete_route_from_network',
        'non-idempotent',
        id,
        body,
        o,
      ),
    changeProtection: (id, body, o) =>
      postAction(
        t,
        '/networks/{id}/actions/change_protection',
        'change_network_protection',
        'idempotent',
        id,
        body,
        o,
      ),
  };
}
