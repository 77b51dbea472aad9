// ajv's verdicts on many instances, for tests/test_conformance.py.
//
//   node verdicts.js SCHEMA.json INSTANCES.json
//
// INSTANCES.json holds a JSON array.  Prints one JSON object:
// {"verdicts": [true|false, ...], "warnings": ["...", ...]}.
// Ajv2020 is used with its default options, strict mode included; what
// strict mode only logs is captured in "warnings" so that the test can
// insist on a clean compile.  A schema ajv refuses exits non-zero.
"use strict";

const fs = require("fs");

const warnings = [];
console.warn = (...parts) => warnings.push(parts.join(" "));

const Ajv2020 = require("ajv/dist/2020");

const [schemaFile, instancesFile] = process.argv.slice(2);
const schema = JSON.parse(fs.readFileSync(schemaFile, "utf8"));
const instances = JSON.parse(fs.readFileSync(instancesFile, "utf8"));

const validate = new Ajv2020().compile(schema);
const verdicts = instances.map((instance) => validate(instance));
process.stdout.write(JSON.stringify({ verdicts, warnings }) + "\n");
