import {
  validateSpec,
  SpecValidationError,
  type SpecIssue,
  type ValidateOptions,
} from '../../../src/spec/validate.js';
import { parseYamlSource } from '../../../src/spec/yaml-source.js';

/** Validates YAML text as if it were hk8s.yaml; returns the issues (empty when valid). */
export function issuesOf(text: string, options?: ValidateOptions): SpecIssue[] {
  const source = parseYamlSource('hk8s.yaml', text);
  try {
    validateSpec(
      source.value,
      { path: 'hk8s.yaml', text, doc: source.doc, lineCounter: source.lineCounter },
      undefined,
      options,
    );
    return [];
  } catch (error) {
    if (error instanceof SpecValidationError) return error.issues;
    throw error;
  }
}

/** A valid spec with one control plane, as YAML lines, to which cases append sections. */
export const BASE = `cluster:
  name: demo
controlPlane:
  pools:
    - name: cp
      location: fsn1
      type: cpx22
`;
