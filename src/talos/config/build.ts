/**
 * One node's Talos machine configuration, built from the spec, the secrets bundle and the node's
 * facts the way the reference module builds it (reference-module.md §3), for the Talos minor of
 * `talos.version`. Pure and deterministic: equal input gives equal output, key order included.
 */
import { stringify } from 'yaml';
import { clusterSection } from './cluster.js';
import { buildContext } from './context.js';
import { typedDocuments } from './documents.js';
import { machineSection } from './machine.js';
import { plainCopy } from './objects.js';
import { applyConfigPatches } from './patches.js';
import type { BuildMachineConfigInput, ConfigDocument, MachineConfig } from './types.js';

/** How many configs were built and serialised in this process: what tests of planning cost count. */
export const configWork = { builds: 0, yamls: 0 };

export function buildMachineConfig(input: BuildMachineConfigInput): MachineConfig {
  configWork.builds += 1;
  const context = buildContext(input);
  const main: ConfigDocument = {
    version: 'v1alpha1',
    debug: false,
    machine: machineSection(context),
    cluster: clusterSection(context),
  };
  const generated = plainCopy([main, ...typedDocuments(context)]);
  const documents = applyConfigPatches(generated, context.pool.patches, context.pool.patchesField);
  return { version: input.spec.talos.version, documents: plainCopy(documents) };
}

/** The multi-document YAML Talos reads (ApplyConfiguration data, server user data). */
export function machineConfigYaml(config: MachineConfig): string {
  configWork.yamls += 1;
  return config.documents
    .map((document) => stringify(document, { lineWidth: 0, aliasDuplicateObjects: false }))
    .join('---\n');
}
