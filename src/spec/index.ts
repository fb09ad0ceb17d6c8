/** The desired spec: find, parse, default and validate `hk8s.yaml`. */
export {
  loadSpec,
  specHash,
  canonicalJson,
  SEARCH_PLACES,
  type LoadSpecOptions,
  type LoadedSpec,
} from './load.js';
export {
  validateSpec,
  SpecValidationError,
  formatPath,
  type SpecIssue,
  type SpecSource,
  type ValidateOptions,
} from './validate.js';
export { NOT_YET_FIELDS, notYetProblems, type NotYetField } from './support.js';
export { SpecSchema, specSchemaFor, API_VERSION } from './schema.js';
export type * from './schema.js';
export { specJsonSchema, specJsonSchemaText, SPEC_SCHEMA_ID } from './json-schema.js';
export { starterSpecYaml, type StarterOptions } from './starter.js';
export {
  resolveNetworkLayout,
  planAddresses,
  type NetworkLayout,
  type NetworkSubnet,
  type SubnetRole,
} from './network.js';
export { LOCATIONS, LOCATION_ZONES, NETWORK_ZONES } from './sections/common.js';
export {
  addonEnabled,
  addonFlag,
  addonsSchemaFor,
  type AddonSettingsSchemas,
  type AddonsSettings,
} from './sections/addons.js';
