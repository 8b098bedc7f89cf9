// A local stand-in for GitHub's OAuth endpoints and REST API (Bun.serve on 127.0.0.1): authorize
// redirects straight back with a code; the token endpoint checks client, redirect_uri and PKCE
// (answering errors with 200 and {"error"}, as GitHub does); /user and /user/emails need its token.
import { createHash, randomUUID } from "node:crypto";

export type GithubEmail = { email: string; primary: boolean; verified: boolean };
export type GithubAccount = { id: number; login: string; name: string | null; emails: GithubEmail[] };

export type FakeGithub = {
  url: string;
  clientId: string;
  clientSecret: string;
  signInAs(account: GithubAccount): void;
  stop(): Promise<void>;
};

export function startFakeGithub(): FakeGithub {
  const clientId = "gh-client";
  const clientSecret = "gh-secret";
  let account: GithubAccount = { id: 1, login: "octocat", name: "The Octocat", emails: [] };
  const codes = new Map<string, { challenge: string; redirectUri: string; account: GithubAccount }>();
  const tokens = new Map<string, GithubAccount>();
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const url = new URL(req.url);
      if (req.method === "GET" && url.pathname === "/login/oauth/authorize") {
        const q = url.searchParams;
        if (q.get("client_id") !== clientId || q.get("code_challenge_method") !== "S256" || !q.get("code_challenge") || !q.get("redirect_uri")) {
          return new Response("bad authorize request", { status: 400 });
        }
        const code = randomUUID();
        codes.set(code, { challenge: q.get("code_challenge")!, redirectUri: q.get("redirect_uri")!, account });
        const back = new URL(q.get("redirect_uri")!);
        back.searchParams.set("code", code);
        back.searchParams.set("state", q.get("state") ?? "");
        return Response.redirect(back.href, 302);
      }
      if (req.method === "POST" && url.pathname === "/login/oauth/access_token") {
        const form = new URLSearchParams(await req.text());
        const entry = codes.get(form.get("code") ?? "");
        codes.delete(form.get("code") ?? "");
        const verifier = form.get("code_verifier") ?? "";
        const ok =
          entry &&
          form.get("client_id") === clientId &&
          form.get("client_secret") === clientSecret &&
          form.get("redirect_uri") === entry.redirectUri &&
          createHash("sha256").update(verifier).digest("base64url") === entry.challenge;
        if (!ok) return Response.json({ error: "bad_verification_code" });
        const token = `gho_${randomUUID()}`;
        tokens.set(token, entry.account);
        return Response.json({ access_token: token, token_type: "bearer", scope: "read:user,user:email" });
      }
      const owner = tokens.get((req.headers.get("authorization") ?? "").replace(/^Bearer /i, ""));
      if (req.method === "GET" && (url.pathname === "/user" || url.pathname === "/user/emails")) {
        if (!owner) return Response.json({ message: "Bad credentials" }, { status: 401 });
        if (url.pathname === "/user") return Response.json({ id: owner.id, login: owner.login, name: owner.name });
        return Response.json(owner.emails);
      }
      return new Response("not found", { status: 404 });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    clientId,
    clientSecret,
    signInAs(next) {
      account = next;
    },
    stop: () => server.stop(true),
  };
}
