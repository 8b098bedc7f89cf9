import type { ProviderConfig } from "../../oauth-config";
import type { Services } from "../../services";
import { createGithubUpstream } from "./github";
import { createOidcUpstream } from "./oidc";
import type { Fetch, Upstream } from "./upstream";

// One registry per app (its config object): discovery documents and keys are cached there for the
// life of the process or isolate, and nothing is fetched before the first sign-in needs it.
const registries = new WeakMap<object, Map<string, Upstream>>();

/** The configured providers by id, built on first use (nothing is fetched until a sign-in needs it). */
export function upstreams(s: Pick<Services, "config" | "fetch">): Map<string, Upstream> {
  let registry = registries.get(s.config);
  if (!registry) {
    // Bound here: Workers' fetch throws "Illegal invocation" when called off globalThis.
    const send: Fetch = s.fetch ?? ((input, init) => fetch(input, init));
    registry = new Map(s.config.oauth.providers.map((p: ProviderConfig) => [p.id, build(p, send)]));
    registries.set(s.config, registry);
  }
  return registry;
}

function build(p: ProviderConfig, send: Fetch): Upstream {
  return p.kind === "github" ? createGithubUpstream(p, send) : createOidcUpstream(p, send);
}
