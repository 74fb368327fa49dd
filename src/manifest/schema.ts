import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { JsonValue } from './canonical-json.ts';

/**
 * The JSON Schema of the manifest payload (resources/manifest.schema.json, draft 2020-12),
 * compiled once. The device arrays stream, so the verifier checks the payload without them
 * (`validateSkeleton`) and each element on its own (`validateProvisioned`, `validateRejected`).
 */

export const MANIFEST_SCHEMA_PATH = fileURLToPath(
  new URL('../../resources/manifest.schema.json', import.meta.url),
);

export interface SchemaProblem {
  /** JSON Pointer inside the checked value, e.g. "/tpm/vendor". */
  path: string;
  reason: string;
}

interface Validators {
  skeleton: ValidateFunction;
  provisioned: ValidateFunction;
  rejected: ValidateFunction;
}

let compiled: Validators | undefined;

function validators(): Validators {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(MANIFEST_SCHEMA_PATH, 'utf8')) as { $id: string };
    // allErrors so a report names every bad field of a device, not just the first.
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    ajv.addSchema(schema);
    compiled = {
      skeleton: ajv.getSchema(schema.$id)!,
      provisioned: ajv.getSchema(`${schema.$id}#/$defs/provisionedDevice`)!,
      rejected: ajv.getSchema(`${schema.$id}#/$defs/rejectedDevice`)!,
    };
  }
  return compiled;
}

function problems(errors: ErrorObject[] | null | undefined): SchemaProblem[] {
  return (errors ?? []).map((e) => ({
    path: e.instancePath || '/',
    reason:
      e.keyword === 'additionalProperties'
        ? `unknown member '${(e.params as { additionalProperty: string }).additionalProperty}'`
        : (e.message ?? e.keyword),
  }));
}

function check(fn: ValidateFunction, value: JsonValue): SchemaProblem[] {
  return fn(value) ? [] : problems(fn.errors);
}

/** Checks the payload with its `provisioned` and `rejected` arrays emptied. */
export function validateSkeleton(payload: JsonValue): SchemaProblem[] {
  return check(validators().skeleton, payload);
}

export function validateProvisioned(record: JsonValue): SchemaProblem[] {
  return check(validators().provisioned, record);
}

export function validateRejected(record: JsonValue): SchemaProblem[] {
  return check(validators().rejected, record);
}
