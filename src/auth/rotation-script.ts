import type { ScriptReply, ScriptView, StoreScript } from "../store/store";
import { refreshKey, refreshUsedKey, revokedKey, sessionKey, sessionMetaKey, userSessionsKey, type Aal } from "./session-keys";
import { userCacheKey } from "./user-cache";

/**
 * Refresh rotation as ONE atomic store script (one round trip): check the old token, its session
 * and the tombstone, mark the token used (or judge a reuse), and write the new token and session.
 * Nothing else runs in between, so a racing revocation is either seen here (refused) or runs after
 * (and ends the session just written). Signing the access token stays in JavaScript.
 */
export type RotationOutcome =
  | { status: "unknown" }
  | { status: "session_ended" }
  /** The user's cached copy is missing: read the database, then run again with userChecked. */
  | { status: "need_user"; sid: string; uid: string }
  /** Used again after the grace: the script has already revoked the session. */
  | { status: "reused"; sid: string; uid: string }
  /** `amr`, `aal`, `authTime`: the session's, unchanged (a refresh never raises or lowers them). */
  | { status: "ok"; sid: string; uid: string; cachedUser: string | null; amr: string; aal: Aal; authTime: number };

export type RotationInput = {
  oldHash: string;
  newHash: string;
  now: number;
  refreshTtl: number;
  reuseGraceSeconds: number;
  /** The user was just read from the database: go ahead without the cached copy. */
  userChecked: boolean;
};

/** The keys and arguments of one run of ROTATION_SCRIPT. */
export function rotationCall(input: RotationInput): [StoreScript<RotationOutcome>, string[], string[]] {
  const { oldHash, newHash, now, refreshTtl, reuseGraceSeconds, userChecked } = input;
  const keys = [refreshKey(oldHash), refreshUsedKey(oldHash), refreshKey(newHash)];
  const args = [String(now), String(now + refreshTtl * 1000), String(refreshTtl), String(reuseGraceSeconds), userChecked ? "user-checked" : "need-user-check"];
  return [ROTATION_SCRIPT, keys, args];
}

// Key prefixes come from the same functions the JavaScript uses, so the two cannot drift apart.
// Records are the JSON that JSON.stringify writes for RefreshRecord/SessionRecord, keys in that
// order ({"sid":"…","uid":"…","exp":<ms>}); sid is base64url and uid a UUID, so ONE anchored pattern
// reads a record (no cjson; a third of the cost of a match per field). A record in any other shape
// does not match and is refused: fail closed.
const lua = `
local now = tonumber(ARGV[1])
local ttl = tonumber(ARGV[3])
local token = redis.call('GET', KEYS[1])
if not token then return {'unknown'} end
local sid, uid, exp = string.match(token, '^{"sid":"([^"]+)","uid":"([^"]+)","exp":(%d+)}$')
exp = tonumber(exp)
if not sid or exp <= now then return {'unknown'} end
local skey = '${sessionKey("")}' .. sid
local session = redis.call('GET', skey)
local sessionUid, sessionExp, amr, aal, auth
if session then
  sessionUid, sessionExp, amr, aal, auth = string.match(session, '^{"uid":"([^"]+)","exp":(%d+),"amr":"([a-z,]*)","aal":"(aal[12])","auth":(%d+),"seen":%d+}$')
end
if sessionUid ~= uid or tonumber(sessionExp) <= now or redis.call('EXISTS', '${revokedKey("")}' .. sid) == 1 then
  return {'session_ended'}
end
local user = redis.call('GET', '${userCacheKey("")}' .. uid)
if not user and ARGV[5] ~= 'user-checked' then return {'need_user', sid, uid} end
local firstUse = redis.call('GET', KEYS[2])
if firstUse then
  local grace = tonumber(ARGV[4])
  if not (grace > 0 and now - tonumber(firstUse) <= grace * 1000) then
    redis.call('SET', '${revokedKey("")}' .. sid, '1', 'EX', ttl)
    redis.call('DEL', skey, '${sessionMetaKey("")}' .. sid)
    redis.call('SREM', '${userSessionsKey("")}' .. uid, sid)
    return {'reused', sid, uid}
  end
else
  redis.call('SET', KEYS[2], ARGV[1], 'EX', math.max(1, math.ceil((exp - now) / 1000)))
end
redis.call('SET', KEYS[3], '{"sid":"' .. sid .. '","uid":"' .. uid .. '","exp":' .. ARGV[2] .. '}', 'EX', ttl)
redis.call('SET', skey, '{"uid":"' .. uid .. '","exp":' .. ARGV[2] .. ',"amr":"' .. amr .. '","aal":"' .. aal .. '","auth":' .. auth .. ',"seen":' .. ARGV[1] .. '}', 'EX', ttl)
redis.call('EXPIRE', '${sessionMetaKey("")}' .. sid, ttl)
redis.call('SADD', '${userSessionsKey("")}' .. uid, sid)
redis.call('EXPIRE', '${userSessionsKey("")}' .. uid, ttl)
return {'ok', sid, uid, user or false, amr, aal, auth}
`;

// The Lua patterns above, as regular expressions.
const REFRESH_RECORD = /^\{"sid":"([^"]+)","uid":"([^"]+)","exp":(\d+)\}$/;
const SESSION_RECORD = /^\{"uid":"([^"]+)","exp":(\d+),"amr":"([a-z,]*)","aal":"(aal[12])","auth":(\d+),"seen":\d+\}$/;

/** The same steps for the in-process store, in the same order. */
function js(view: ScriptView, keys: string[], args: string[]): ScriptReply {
  const [oldKey, usedKey, newKey] = keys as [string, string, string];
  const [nowArg, newExp, ttlArg, graceArg, mode] = args as [string, string, string, string, string];
  const now = Number(nowArg);
  const ttl = Number(ttlArg);
  const token = REFRESH_RECORD.exec(view.get(oldKey) ?? "");
  if (!token) return ["unknown"];
  const [, sid, uid] = token as unknown as [string, string, string];
  const exp = Number(token[3]);
  if (!(exp > now)) return ["unknown"];
  const session = SESSION_RECORD.exec(view.get(sessionKey(sid)) ?? "");
  if (!session || session[1] !== uid || !(Number(session[2]) > now) || view.get(revokedKey(sid)) !== null) return ["session_ended"];
  const user = view.get(userCacheKey(uid));
  if (user === null && mode !== "user-checked") return ["need_user", sid, uid];
  const firstUse = view.get(usedKey);
  if (firstUse !== null) {
    const grace = Number(graceArg);
    if (!(grace > 0 && now - Number(firstUse) <= grace * 1000)) {
      view.set(revokedKey(sid), "1", ttl);
      view.delete(sessionKey(sid));
      view.delete(sessionMetaKey(sid)); // the device's address and browser go with the session
      view.setRemove(userSessionsKey(uid), sid);
      return ["reused", sid, uid];
    }
  } else {
    view.set(usedKey, nowArg, Math.max(1, Math.ceil((exp - now) / 1000)));
  }
  view.set(newKey, `{"sid":"${sid}","uid":"${uid}","exp":${newExp}}`, ttl);
  const [, , , amr, aal, auth] = session as unknown as string[];
  view.set(sessionKey(sid), `{"uid":"${uid}","exp":${newExp},"amr":"${amr}","aal":"${aal}","auth":${auth},"seen":${nowArg}}`, ttl);
  const meta = view.get(sessionMetaKey(sid));
  if (meta !== null) view.set(sessionMetaKey(sid), meta, ttl);
  view.setAdd(userSessionsKey(uid), sid, ttl);
  return ["ok", sid, uid, user, amr!, aal!, auth!];
}

function decode(reply: ScriptReply): RotationOutcome {
  const [status, sid, uid, user, amr, aal, auth] = (Array.isArray(reply) ? reply : []).map((v) => (v === null ? null : String(v)));
  if (status === "unknown" || status === "session_ended") return { status };
  if (status === "need_user" || status === "reused") return { status, sid: sid!, uid: uid! };
  if (status === "ok") return { status, sid: sid!, uid: uid!, cachedUser: user ?? null, amr: amr ?? "", aal: aal === "aal2" ? "aal2" : "aal1", authTime: Number(auth) };
  throw new Error(`rotation script: unexpected reply ${String(status)}`);
}

/** See RotationOutcome; run it through rotationCall. */
export const ROTATION_SCRIPT: StoreScript<RotationOutcome> = { lua, js, decode };
