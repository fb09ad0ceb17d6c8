/** Talos machine configuration: generation, schema validation, diffs and apply modes. */
export { buildMachineConfig, configWork, machineConfigYaml } from './build.js';
export { configInputsHash, CONFIG_RENDER_REVISION } from './inputs.js';
export { validateMachineConfig, type MachineConfigValidation } from './validate.js';
export {
  applyModeFor,
  applyModeForPath,
  configDiff,
  redact,
  NO_REBOOT_KINDS,
  NO_REBOOT_PATHS,
  SENSITIVE,
  type ApplyMode,
  type ConfigChange,
} from './diff.js';
export {
  TALOS_VERSIONS,
  DEFAULT_TALOS_MINOR,
  SUPPORTED_TALOS_MINORS,
  EMITTED_KINDS,
  minorOf,
  talosVersionSupport,
  checkKubernetesVersion,
  type TalosVersionSupport,
  type EmittedKind,
} from './versions.js';
export {
  defaultSchematic,
  installerImageFor,
  schematicIdFor,
  schematicIdOf,
  schematicYaml,
  HCLOUD_INSTALLER_REPOSITORY,
  type SchematicCustomization,
} from './schematic.js';
export { controlPlanesSchedulable } from './context.js';
export {
  CONTROL_PLANE_PODS,
  KUBE_COMPONENTS,
  componentImage,
  componentsOf,
  configComponentVersions,
  replacesKubeProxy,
  imageVersion,
  resolveComponentVersions,
  type ComponentVersions,
  type ControlPlanePod,
  type KubeComponent,
} from './kubernetes.js';
export { recordedForm, tokenFingerprint, VIP_KIND } from './vip.js';
export type {
  BuildMachineConfigInput,
  ConfigDocument,
  MachineConfig,
  MachineConfigCluster,
  MachineConfigNode,
  NodeRole,
} from './types.js';
