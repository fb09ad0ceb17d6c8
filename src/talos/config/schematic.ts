/**
 * Image Factory schematics and installer images (reference/talos.md §7, talos-1.13.md §5, §6.3).
 * A schematic id is the SHA-256 of the factory's canonical YAML of the schematic, so hk8s can compute
 * it offline and the factory's POST /schematics returns the same id.
 */
import { createHash } from 'node:crypto';
import type { Spec } from '../../spec/schema.js';
import { addonEnabled } from '../../spec/sections/addons.js';

export const QEMU_GUEST_AGENT = 'siderolabs/qemu-guest-agent';
/** What the reference module adds to the schematic when Longhorn is on. */
export const LONGHORN_EXTENSIONS = ['siderolabs/iscsi-tools', 'siderolabs/util-linux-tools'];
/** The unified per-platform installer; the plain installer would boot nodes as `metal` (talos-1.13.md §6.3). */
export const HCLOUD_INSTALLER_REPOSITORY = 'factory.talos.dev/hcloud-installer';

export interface SchematicCustomization {
  extraKernelArgs: readonly string[];
  officialExtensions: readonly string[];
  /** META partition entries (disk images only); hk8s's spec sets none, the id covers them anyway. */
  meta?: ReadonlyArray<{ key: number; value: string }>;
}

const PLAIN_SCALAR = /^[A-Za-z0-9_./=,+@-][A-Za-z0-9_./=,:+@ -]*$/;
const AMBIGUOUS =
  /^(?:true|false|yes|no|on|off|y|n|null|~|[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?|0x[0-9a-f]+|\.inf|\.nan)$/i;

/** A string as Go's YAML encoder writes it: plain when unambiguous, double-quoted otherwise. */
function scalar(text: string): string {
  const plain =
    PLAIN_SCALAR.test(text) && !AMBIGUOUS.test(text) && !text.endsWith(' ') && !text.includes(': ');
  return plain ? text : JSON.stringify(text);
}

function list(indent: string, items: readonly string[]): string {
  return items.map((item) => `${indent}- ${scalar(item)}\n`).join('');
}

/**
 * The factory's canonical text: Go YAML with 4-space indents, sequence items indented under their
 * key, fields in struct order (extraKernelArgs, meta, systemExtensions), empty ones omitted.
 */
export function schematicYaml(customization: SchematicCustomization): string {
  const { extraKernelArgs, officialExtensions } = customization;
  const meta = customization.meta ?? [];
  if (extraKernelArgs.length === 0 && officialExtensions.length === 0 && meta.length === 0)
    return 'customization: {}\n';
  let text = 'customization:\n';
  if (extraKernelArgs.length > 0) text += `    extraKernelArgs:\n${list('        ', extraKernelArgs)}`;
  if (meta.length > 0) {
    const entries = meta.map((m) => `        - key: ${m.key}\n          value: ${scalar(m.value)}\n`);
    text += `    meta:\n${entries.join('')}`;
  }
  if (officialExtensions.length > 0) {
    text += `    systemExtensions:\n        officialExtensions:\n${list('            ', officialExtensions)}`;
  }
  return text;
}

export function schematicIdOf(customization: SchematicCustomization): string {
  return createHash('sha256').update(schematicYaml(customization)).digest('hex');
}

/**
 * The default cloud schematic: qemu-guest-agent, the spec's extensions (plus Longhorn's when it is on),
 * distinct and sorted (the order the factory lists extensions in), and the spec's kernel arguments.
 */
export function defaultSchematic(spec: Spec): SchematicCustomization {
  const extensions = new Set([
    QEMU_GUEST_AGENT,
    ...spec.talos.extensions,
    ...(addonEnabled(spec.addons, 'longhorn', false) ? LONGHORN_EXTENSIONS : []),
  ]);
  return {
    extraKernelArgs: [...new Set(spec.talos.extraKernelArgs)],
    officialExtensions: [...extensions].sort(),
  };
}

/** `talos.schematicId`, or the id of the default schematic. */
export function schematicIdFor(spec: Spec): string {
  return spec.talos.schematicId ?? schematicIdOf(defaultSchematic(spec));
}

/** `factory.talos.dev/hcloud-installer/<schematic>:<version>`, for machine.install.image and upgrades. */
export function installerImageFor(spec: Spec): string {
  return `${HCLOUD_INSTALLER_REPOSITORY}/${schematicIdFor(spec)}:${spec.talos.version}`;
}
