import { EdgeAuthError, type ActivityPage, type AuditEvent, type AuditQuery, type DeviceSession } from "../../client/client";
import type { Ctx } from "../context";
import { busy, confirmAction, h, notice, showError } from "../dom";
import { describeDevice } from "../user-agent";

/** An event of the account's activity, or of the admin's audit log (which also says whose, and by whom). */
type EventInfo = ActivityPage["events"][number] & Partial<Pick<AuditEvent, "userId" | "actorId">>;
type EventPage = { events: EventInfo[]; nextCursor: string | null };
/** One page of events after `cursor` (the first page without one). */
type PageLoader = (cursor: string | undefined) => Promise<EventPage>;

/** The account's own activity, 20 at a time. */
export const myActivity = (ctx: Ctx): PageLoader => (cursor) => ctx.client.activity({ limit: 20, cursor });
/** The admin's audit log with its filters, 20 at a time. */
const auditLog = (ctx: Ctx, filters: AuditQuery): PageLoader => (cursor) => ctx.client.admin.audit({ ...filters, limit: 20, cursor });

/** What each event type means to the person reading it. */
export const EVENT_LABELS: Record<string, string> = {
  login: "Signed in", login_failed: "Wrong password entered", mfa_failed: "Wrong second-factor code",
  logout: "Signed out", session_revoked: "A session was ended", refresh_reuse_detected: "A stolen sign-in was stopped",
  email_verified: "Email verified", password_changed: "Password changed", password_reset: "Password reset by email",
  mfa_enabled: "Authenticator app turned on", mfa_disabled: "Authenticator app turned off",
  recovery_codes_regenerated: "New recovery codes made", recovery_code_used: "Recovery code used",
  passkey_added: "Passkey added", passkey_removed: "Passkey removed", identity_linked: "Sign-in provider linked",
  identity_removed: "Sign-in provider removed", user_created: "Account created by an admin", user_updated: "Account changed by an admin",
  user_deleted: "Account deleted by an admin", mfa_reset: "Second factor reset by an admin", sessions_revoked: "Every session ended by an admin",
};

export const when = (iso: string) => new Date(iso).toLocaleString();
const errorLine = () => h("div", {}, h("p", { class: "form-error", role: "alert" }));

/** One session as a list item: device, address, last seen; "this device" marked; an End button unless it is this one. */
function sessionItem(s: DeviceSession, end?: () => Promise<void>): HTMLLIElement {
  const head = h("div", { class: "item-head" }, h("strong", {}, describeDevice(s.userAgent)), s.current ? h("span", { class: "badge" }, "This device") : null);
  const facts = h("p", { class: "muted" }, `${s.ip ?? "Unknown address"} · last seen ${when(s.lastSeenAt)} · signed in ${when(s.createdAt)}${s.aal === "aal2" ? " · two-factor" : ""}`);
  const li = h("li", { class: "item", "data-session": s.id, "data-current": s.current ? "true" : "false" }, h("div", {}, head, facts));
  if (end && !s.current) {
    const button = h("button", { type: "button", class: "secondary" }, "End");
    button.setAttribute("aria-label", `End the session on ${describeDevice(s.userAgent)} (${s.ip ?? "unknown address"})`);
    button.addEventListener("click", () => void busy(button, end));
    li.append(button);
  }
  return li;
}

/** One event as a list item: what happened, when, from which device and address (and, for admins, whose). */
function eventItem(e: EventInfo, admin: boolean): HTMLLIElement {
  const where = [e.userAgent ? describeDevice(e.userAgent) : null, e.ip].filter(Boolean).join(" · ");
  const who = admin ? [e.userId ? `user ${e.userId}` : null, e.actorId ? `by admin ${e.actorId}` : null].filter(Boolean).join(" · ") : "";
  return h("li", { class: "item", "data-event": e.type },
    h("div", {}, h("strong", {}, EVENT_LABELS[e.type] ?? e.type), h("p", { class: "muted" }, [when(e.at), where, who].filter(Boolean).join(" · "))));
}

/** A list of events read page by page (`loadPage`), with "Load more". */
export function eventList(loadPage: PageLoader, admin: boolean, empty = "Nothing yet."): HTMLElement {
  const list = h("ul", { class: "items" });
  const errors = errorLine();
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Load more");
  let cursor: string | null = null;
  const load = async () => {
    const page = await loadPage(cursor ?? undefined);
    for (const e of page.events) list.append(eventItem(e, admin));
    if (list.children.length === 0) list.append(h("li", { class: "muted" }, empty));
    cursor = page.nextCursor;
    more.hidden = cursor === null;
  };
  more.addEventListener("click", () => void busy(more, load).catch((error) => showError(errors, error)));
  void load().catch((error) => showError(errors, error));
  return h("div", {}, errors, list, more);
}

/** Profile: "Where you're signed in", each session with its device and address, the others endable. */
export function mySessions(ctx: Ctx): HTMLElement {
  const list = h("ul", { class: "items", "data-testid": "sessions" });
  const status = h("div", { class: "status-slot" });
  const errors = errorLine();
  const load = async () => {
    const sessions = await ctx.client.sessions.list();
    list.replaceChildren(...sessions.map((s) => {
      const item: HTMLLIElement = sessionItem(s, async () => {
        try {
          await ctx.client.sessions.end(s.id);
        } catch (error) {
          // Already gone (signed out there meanwhile): the list just catches up.
          if (!(error instanceof EdgeAuthError && error.status === 404)) return showError(errors, error);
        }
        item.remove();
        status.replaceChildren(notice(`The session on ${describeDevice(s.userAgent)} was ended.`, "ok"));
      });
      return item;
    }));
  };
  void load().catch((error) => showError(errors, error));
  return h("div", {}, status, errors, list);
}

/** Admin: a user's sessions (with "End all sessions") and recent events, opened from the users table. */
export function userActivity(ctx: Ctx, userId: string, email: string): HTMLElement {
  const list = h("ul", { class: "items" });
  const errors = errorLine();
  const status = h("div", { class: "status-slot" });
  const load = async () => {
    const sessions = await ctx.client.admin.listSessions(userId);
    list.replaceChildren(...(sessions.length ? sessions.map((s) => sessionItem(s)) : [h("li", { class: "muted" }, "Not signed in anywhere.")]));
  };
  const endAll = h("button", { type: "button", class: "danger" }, "End all sessions");
  endAll.addEventListener("click", () => void busy(endAll, async () => {
    if (!(await confirmAction(`End every session of ${email}? They are signed out everywhere at once.`, "End all sessions"))) return;
    await ctx.client.admin.endSessions(userId);
    status.replaceChildren(notice(`Every session of ${email} was ended.`, "ok"));
    await load();
  }).catch((error) => showError(errors, error)));
  void load().catch((error) => showError(errors, error));
  return h("div", { class: "user-activity" },
    h("h3", {}, `Sessions of ${email}`), status, errors, list, h("div", { class: "actions" }, endAll),
    h("h3", {}, "Recent events"), eventList(auditLog(ctx, { userId }), true));
}

/** Admin: the audit log of every account, filtered by user id and type. */
export function auditView(ctx: Ctx): HTMLElement {
  const results = h("div", {});
  const userInput = h("input", { id: "audit-user", name: "userId", placeholder: "any user", autocomplete: "off" });
  const typeSelect = h("select", { id: "audit-type", name: "type" }, h("option", { value: "" }, "Any type"),
    ...Object.entries(EVENT_LABELS).map(([type, label]) => h("option", { value: type }, `${label} (${type})`)));
  const errors = errorLine();
  const apply = () => {
    (errors.firstChild as HTMLElement).textContent = "";
    const filters: AuditQuery = {};
    const userId = userInput.value.trim();
    if (userId && !/^[0-9a-f-]{36}$/i.test(userId)) {
      (errors.firstChild as HTMLElement).textContent = "A user id looks like 0190c3b2-…: copy it from the users page.";
      return;
    }
    if (userId) filters.userId = userId;
    // The select lists exactly the event types (EVENT_LABELS' keys).
    if (typeSelect.value) filters.type = typeSelect.value as AuditEvent["type"];
    results.replaceChildren(eventList(auditLog(ctx, filters), true, "No events match."));
  };
  const filters = h("form", { class: "inline", novalidate: true },
    h("div", { class: "field" }, h("label", { for: "audit-user" }, "User id"), userInput),
    h("div", { class: "field" }, h("label", { for: "audit-type" }, "Type"), typeSelect),
    h("button", { type: "submit", class: "primary" }, "Filter"));
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    apply();
  });
  apply();
  return h("div", { class: "stack" }, h("section", { class: "card" }, h("h1", {}, "Audit log"), filters, errors, results));
}
