'use strict';
// Registers an Avro schema under <topic>-value with Confluent's own client, serializes one record
// (given as JSON) with Confluent's AvroSerializer against that registered version, and prints the
// Confluent-wire-format bytes as hex on stdout.
//
//   node serialize.js <registry-url> <topic> <schema-json> <record-json>

const { SchemaRegistryClient, AvroSerializer, SerdeType } = require('@confluentinc/schemaregistry');
const { usage, run, clientConfig } = require('./common');

run(async () => {
  const [url, topic, schema, recordJson] = process.argv.slice(2);
  if (!url || !topic || !schema || !recordJson) {
    usage('node serialize.js <registry-url> <topic> <schema-json> <record-json>');
  }
  const client = new SchemaRegistryClient(clientConfig(url));
  await client.register(`${topic}-value`, { schemaType: 'AVRO', schema });
  const serializer = new AvroSerializer(client, SerdeType.VALUE, { useLatestVersion: true });
  const bytes = await serializer.serialize(topic, JSON.parse(recordJson));
  process.stdout.write(`${bytes.toString('hex')}\n`);
});
