/**
 * One `KEY=value` line of the env file `bun run dev:worker` hands to wrangler (`--env-file`).
 * dotenv keeps a single- or backtick-quoted value exactly as written (newlines too, in backticks),
 * where a double-quoted one keeps the backslashes of escaped quotes (a JWK Set is JSON). A value
 * with a single quote, a backtick and a newline cannot be written so that it reads back: refused.
 */
export function envFileLine(key: string, value: string): string {
  if (!/['\n]/.test(value)) return `${key}='${value}'`;
  if (!value.includes("`")) return `${key}=\`${value}\``;
  throw new Error(`${key}: a value with both a quote and a backtick cannot go through an env file`);
}
