-- wrk script for the issuer's token endpoint: a client_credentials request from orders-service
-- (the sample policy's demo client), HTTP Basic, the same request IssuanceLoadBenchmark sends.
-- Usage: wrk -t2 -c64 -d20s -s bench/wrk/token.lua http://localhost:PORT/oauth2/token
-- wrk reports answers other than 2xx/3xx as "Non-2xx or 3xx responses".
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] =
  "Basic b3JkZXJzLXNlcnZpY2U6ZGVtby1vcmRlcnMtc2VydmljZS1zZWNyZXQtZG8tbm90LXVzZS1pbi1wcm9kMA=="
wrk.body = "grant_type=client_credentials&audience=https%3A%2F%2Forders.example.com&scope=orders%3Aread"
