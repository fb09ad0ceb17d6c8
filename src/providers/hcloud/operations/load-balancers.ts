/**
 * Load balancer operations. `update_service` (keyed by listen port), algorithm, rDNS, protection and the
 * public interface switch set an absolute state: idempotent. Adding or removing a service, target or
 * network fails on repeat (`source_port_already_used`, `target_already_defined`, …), and `change_type`
 * is treated the same way to be safe: non-idempotent.
 */
import type { LoadBalancerApi } from '../api.js';
import type { Transport } from '../transport.js';
import { crudFor } from './crud.js';
import { postAction } from './shared.js';

const BASE = '/load_balancers/{id}/actions';

export function loadBalancerApi(t: Transport): LoadBalancerApi {
  return {
    ...crudFor(t, 'load_balancers'),
    addService: (id, body, o) =>
      postAction(t, `${BASE}/add_service`, 'add_service', 'non-idempotent', id, body, o),
    updateService: (id, body, o) =>
      postAction(t, `${BASE}/update_service`, 'update_service', 'idempotent', id, body, o),
    deleteService: (id, body, o) =>
      postAction(t, `${BASE}/delete_service`, 'delete_service', 'non-idempotent', id, body, o),
    addTarget: (id, body, o) =>
      postAction(t, `${BASE}/add_target`, 'add_target', 'non-idempotent', id, body, o),
    removeTarget: (id, body, o) =>
      postAction(t, `${BASE}/remove_target`, 'remove_target', 'non-idempotent', id, body, o),
    attachToNetwork: (id, body, o) =>
      postAction(
        t,
        `${BASE}/attach_to_network`,
        'attach_load_balancer_to_network',
        'non-idempotent',
        id,
        body,
        o,
      ),
    detachFromNetwork: (id, body, o) =>
      postAction(
        t,
        `${BASE}/detach_from_network`,
        'detach_load_balancer_from_network',
        'non-idempotent',
        id,
        body,
        o,
      ),
    changeType: (id, body, o) =>
      postAction(t, `${BASE}/change_type`, 'change_type_of_load_balancer', 'non-idempotent', id, body, o),
    changeAlgorithm: (id, body, o) =>
      postAction(t, `${BASE}/change_algorithm`, 'change_algorithm', 'idempotent', id, body, o),
    changeDnsPtr: (id, body, o) =>
      postAction(
        t,
        `${BASE}/change_dns_ptr`,
        'change_reverse_dns_entry_for_this_load_balancer',
        'idempotent',
        id,
        body,
        o,
      ),
    changeProtection: (id, body, o) =>
      postAction(
        t,
        `${BASE}/change_protection`,
        'change_load_balancer_protection',
        'idempotent',
        id,
        body,
        o,
      ),
    enablePublicInterface: (id, o) =>
      postAction(
        t,
        `${BASE}/enable_public_interface`,
        'enable_public_interface_of_load_balancer',
        'idempotent',
        id,
        undefined,
        o,
      ),
    disablePublicInterface: (id, o) =>
      postAction(
        t,
        `${BASE}/disable_public_interface`,
        'disable_public_interface_of_load_balancer',
        'idempotent',
        id,
        undefined,
        o,
      ),
  };
}
