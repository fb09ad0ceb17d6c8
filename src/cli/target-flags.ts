/** The ways past a safe-targeting stop (exit 13, src/engine/target-identity.ts), for plan, apply, resume and destroy. */
import { Flags } from '@oclif/core';

export const acceptEndpointFlag = Flags.boolean({
  summary: 'Go on although the state was made against another endpoint or project (the move is intended).',
  description:
    'The state records the Hetzner endpoint and a fingerprint of the project it was made against; a run anywhere else stops with exit 13. With this flag it goes on, and the next apply records the new target.',
  default: false,
});

export const acceptMissingFlag = Flags.boolean({
  summary: 'Go on although many recorded resources are gone from the cloud (they are created again).',
  description:
    'When more than 2 recorded cloud resources, or all of them, are not found, a plan stops with exit 13: the token may name another project, or the sandbox was reset. With this flag the plan creates them again.',
  default: false,
});
