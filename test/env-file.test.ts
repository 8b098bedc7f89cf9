import { expect, test } from "bun:test";
import { parse } from "dotenv";
import { generateSigningKey } from "../src/auth/key-generate";
import { envFileLine } from "../src/entry/env-file";

// dev:worker hands the Worker its bindings through an env file that wrangler reads with dotenv
// (16.x, the version wrangler bundles): every value must come back exactly as it was written.
test("dev:worker's env file: every binding reads back exactly as written, a JWK Set included", async () => {
  const values = {
    JWT_SIGNING_KEYS: JSON.stringify({ keys: [await generateSigningKey("ES256")] }),
    JWT_SECRET: "a+b/c=d",
    WITH_QUOTE: `it's "quoted"`,
    WITH_NEWLINE: "line one\nline two",
    WITH_HASH: "before # after",
    EMPTY: "",
  };
  const file = Object.entries(values).map(([k, v]) => envFileLine(k, v)).join("\n");
  expect(parse(file)).toEqual(values);
  expect(() => envFileLine("BAD", "it's `odd`\n")).toThrow("BAD");
});
