/** operationId → handler. Operations the sandbox does not simulate answer `unsupported_error`. */
import { ApiError } from './api-error.js';
import type { Handler } from './context.js';
import type { Operation } from './openapi.js';
import { actionHandlers, genericActionHandler } from './resources/action-routes.js';
import { catalogHandlers } from './resources/catalog-routes.js';
import { certificateHandlers } from './resources/certificates.js';
import { firewallHandlers } from './resources/firewalls.js';
import { floatingIpHandlers } from './resources/floating-ips.js';
import { loadBalancerHandlers } from './resources/load-balancers.js';
import { networkHandlers } from './resources/networks.js';
import { placementGroupHandlers } from './resources/placement-groups.js';
import { primaryIpHandlers } from './resources/primary-ips.js';
import { serverActionHandlers } from './resources/server-actions.js';
import { serverHandlers } from './resources/servers.js';
import { sshKeyHandlers } from './resources/ssh-keys.js';
import { volumeHandlers } from './resources/volumes.js';

const HANDLERS: Record<string, Handler> = {
  ...actionHandlers,
  ...catalogHandlers,
  ...certificateHandlers,
  ...firewallHandlers,
  ...floatingIpHandlers,
  ...loadBalancerHandlers,
  ...networkHandlers,
  ...placementGroupHandlers,
  ...primaryIpHandlers,
  ...serverActionHandlers,
  ...serverHandlers,
  ...sshKeyHandlers,
  ...volumeHandlers,
};

const unsupported: Handler = () => {
  throw new ApiError(422, 'unsupported_error', 'this operation is not simulated by the hk8s sandbox');
};

export function handlerFor(op: Operation): Handler {
  return HANDLERS[op.operationId] ?? genericActionHandler(op.template) ?? unsupported;
}

/** For tests and docs: the operationIds the sandbox simulates (generic action routes excluded). */
export function simulatedOperations(): string[] {
  return Object.keys(HANDLERS).sort();
}
