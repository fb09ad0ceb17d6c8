/**
 * Firewall operations. `set_rules` replaces the whole rule set, so repeating it is harmless.
 * `apply_to_resources` / `remove_from_resources` fail on repeat (`firewall_already_applied`, not applied):
 * non-idempotent.
 */
import type { FirewallApi } from '../api.js';
import type { Transport } from '../transport.js';
import { crudFor } from './crud.js';
import { postAction } from './shared.js';

export function firewallApi(t: Transport): FirewallApi {
  return {
    ...crudFor(t, 'firewalls'),
    setRules: (id, body, o) =>
      postAction(t, '/firewalls/{id}/actions/set_rules', 'set_rules', 'idempotent', id, body, o),
    applyToResources: (id, body, o) =>
      postAction(
        t,
        '/firewalls/{id}/actions/apply_to_resources',
        'apply_to_resources',
        'non-idempotent',
        id,
        body,
        o,
      ),
    removeFromResources: (id, body, o) =>
      postAction(
        t,
        '/firewalls/{id}/actions/remove_from_resources',
        'remove_from_resources',
        'non-idempotent',
        id,
        body,
        o,
      ),
  };
}
