// The graphql-http server audits (every MUST, SHOULD and MAY of the
// GraphQL-over-HTTP spec that the package checks) against the server at
// the URL given as the first argument. Prints one JSON line per audit.
import { auditServer } from "graphql-http";

const url = process.argv[2];
const results = await auditServer({ url });
for (const result of results) {
  console.log(JSON.stringify({ id: result.id, name: result.name, status: result.status, reason: result.reason ?? null }));
}
