'use strict';
// Registers an Avro schema under a subject with Confluent's own client and prints {"id": ...}.
// When the registry refuses, prints what the client made of its answer, {"status", "errorCode",
// "message"}, and exits with 3: the error code is Confluent's only if the client could parse the
// registry's error body.
//
//   [SCHEMA_REGISTRY_USER_INFO=user:password] node register.js <registry-url> <subject> <schema-json>

const { SchemaRegistryClient } = require('@confluentinc/schemaregistry');
const { usage, run, clientConfig } = require('./common');

run(async () => {
  const [url, subject, schema] = process.argv.slice(2);
  if (!url || !subject || !schema) {
    usage('node register.js <registry-url> <subject> <schema-json>');
  }
  const client = new SchemaRegistryClient({ ...clientConfig(url), maxRetries: 0 });
  try {
    const id = await client.register(subject, { schemaType: 'AVRO', schema });
    process.stdout.write(`${JSON.stringify({ id })}\n`);
  } catch (err) {
    if (err && err.status !== undefined) {
      const { status, errorCode, message } = err;
      process.stdout.write(`${JSON.stringify({ status, errorCode, message })}\n`);
      process.exit(3);
    }
    throw err;
  }
});
