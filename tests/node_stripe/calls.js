// Runs calls of the Node Stripe client against a local server and prints what came back, as JSON.
//
//   node calls.js PORT CALLS.json
//
// CALLS.json: a list of {"key": "sk_test_..." | null, "params": {...}, "idempotencyKey": "..." | null}.
// A null key sends no Authorization header at all (an authenticator that adds nothing).
// Prints one JSON list: per call either {"ok": true, "session": {...}, "headers": {...}}
// or {"ok": false, "error": {"class", "type", "code", "param", "statusCode", "raw"}}.
"use strict";
const fs = require("fs");
const Stripe = require("stripe");

async function main() {
  const port = Number(process.argv[2]);
  const calls = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
  const options = { host: "127.0.0.1", port, protocol: "http", maxNetworkRetries: 0, telemetry: false };
  const results = [];
  for (const call of calls) {
    const stripe = call.key === null
      ? new Stripe(undefined, { ...options, authenticator: async () => {} })
      : new Stripe(call.key, options);
    const requestOptions = call.idempotencyKey ? { idempotencyKey: call.idempotencyKey } : {};
    try {
      const session = await stripe.customerSessions.create(call.params, requestOptions);
      results.push({ ok: true, session, headers: session.lastResponse.headers });
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeError)) throw error;
      results.push({
        ok: false,
        error: {
          class: error.constructor.name, type: error.type, code: error.code ?? null,
          param: error.param ?? null, statusCode: error.statusCode, raw: error.raw,
        },
      });
    }
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack || error) + "\n");
  process.exit(1);
});
