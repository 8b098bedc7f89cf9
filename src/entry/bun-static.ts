/**
 * The static files Workers Static Assets serves before the Worker (wrangler.toml [assets], built
 * into dist/static), served by Bun.serve itself the same way before the app: the API reference's
 * script, read from the installed @scalar/api-reference. Gzipped once, on first request.
 */
import { scalarPackage, scalarScriptPath, STATIC_HEADERS } from "../web/scalar";

type Handler = (request: Request) => Response;

/** Routes for Bun.serve's `routes`: path → GET/HEAD handler (other methods fall through to the app's 405). */
export async function staticRoutes(): Promise<Record<string, { GET: Handler; HEAD: Handler }>> {
  const { version, scriptFile } = scalarPackage();
  const plain = await Bun.file(scriptFile).bytes();
  let gzipped: Uint8Array<ArrayBuffer> | undefined;
  const headers = { ...STATIC_HEADERS, "Content-Type": "text/javascript; charset=utf-8", Vary: "Accept-Encoding" };
  const script: Handler = (request) => {
    if (!/\bgzip\b/.test(request.headers.get("accept-encoding") ?? "")) return new Response(plain, { headers });
    gzipped ??= Bun.gzipSync(plain);
    return new Response(gzipped, { headers: { ...headers, "Content-Encoding": "gzip" } });
  };
  return { [scalarScriptPath(version)]: { GET: script, HEAD: script } };
}
