'use strict';
// Shared by the conformance scripts: argument checks and JSON output that survives the values
// Avro decodes to (bytes as Buffers, longs beyond 2^53 as BigInts).

function usage(text) {
  process.stderr.write(`usage: ${text}\n`);
  process.exit(2);
}

function toJson(value) {
  return JSON.stringify(value, (key, v) => {
    if (typeof v === 'bigint') {
      return v.toString();
    }
    if (v && v.type === 'Buffer' && Array.isArray(v.data)) {
      return Buffer.from(v.data).toString('hex');
    }
    return v;
  });
}

async function run(main) {
  try {
    await main();
  } catch (err) {
    process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  }
}

// The registry client's settings. Writes to a registry that protects them need HTTP basic auth:
// the credential (user:password) comes from SCHEMA_REGISTRY_USER_INFO, never from the command line,
// as Confluent's clients take it (basic.auth.credentials.source=USER_INFO).
function clientConfig(url) {
  const userInfo = process.env.SCHEMA_REGISTRY_USER_INFO;
  return {
    baseURLs: [url],
    ...(userInfo && { basicAuthCredentials: { credentialsSource: 'USER_INFO', userInfo } }),
  };
}

module.exports = { usage, toJson, run, clientConfig };
