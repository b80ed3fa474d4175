'use strict';
// Decodes one record in Confluent's wire format (magic byte 0, 4-byte big-endian schema id, Avro
// binary) with Confluent's own AvroDeserializer, fetching the writer schema from the registry at
// the given URL, and prints the record as JSON on stdout.
//
//   node decode.js <registry-url> <file-with-record-bytes> [topic]

const fs = require('fs');
const { SchemaRegistryClient, AvroDeserializer, SerdeType } = require('@confluentinc/schemaregistry');
const { usage, toJson, run, clientConfig } = require('./common');

run(async () => {
  const [url, file, topic = 'conformance'] = process.argv.slice(2);
  if (!url || !file) {
    usage('node decode.js <registry-url> <file-with-record-bytes> [topic]');
  }
  const client = new SchemaRegistryClient(clientConfig(url));
  const deserializer = new AvroDeserializer(client, SerdeType.VALUE, {});
  const record = await deserializer.deserialize(topic, fs.readFileSync(file));
  process.stdout.write(`${toJson(record)}\n`);
});
