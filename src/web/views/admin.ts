import type { User, UserListQuery, UserPatchInput } from "../../client/client";
import type { Ctx } from "../context";
import { busy, confirmAction, field, form, h, notice, showError } from "../dom";
import { userActivity } from "./activity";

const PAGE = 20;

/** Admins: search users, page with the cursor, create, change role, disable/enable, delete. */
export function usersView(ctx: Ctx): HTMLElement {
  const rows = h("tbody");
  const errorBox = h("div", {}, h("p", { class: "form-error", role: "alert" }));
  const status = h("div", { class: "status-slot" });
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Load more");
  const count = h("p", { class: "muted", role: "status" });
  let query = "";
  let cursor: string | null = null;

  async function load(reset: boolean) {
    const params: UserListQuery = { limit: PAGE };
    if (query) params.q = query;
    if (!reset && cursor) params.cursor = cursor;
    const page = await ctx.client.admin.listUsers(params);
    if (reset) rows.replaceChildren();
    for (const user of page.users) rows.append(row(user));
    cursor = page.nextCursor;
    more.hidden = cursor === null;
    updateCount();
  }

  function updateCount() {
    const n = rows.children.length;
    count.textContent = `${n} user${n === 1 ? "" : "s"} shown${cursor ? ", more available" : ""}.`;
  }

  function row(user: User): HTMLTableRowElement {
    const tr = h("tr", { "data-email": user.email });
    const fill = (u: User) => {
      const roleButton = action(u.role === "admin" ? "Make user" : "Make admin", "secondary", async () => {
        if (u.role === "admin" && !(await confirmAction(`Remove admin rights from ${u.email}?`, "Make user"))) return;
        fill(await patch(u, { role: u.role === "admin" ? "user" : "admin" }));
      });
      const disableButton = action(u.disabled ? "Enable" : "Disable", "secondary", async () => {
        if (!u.disabled && !(await confirmAction(`Disable ${u.email}? Their sessions end at once.`, "Disable"))) return;
        fill(await patch(u, { disabled: !u.disabled }));
      });
      const deleteButton = action("Delete", "danger", async () => {
        if (!(await confirmAction(`Delete ${u.email} for good?`, "Delete user"))) return;
        await ctx.client.admin.deleteUser(u.id);
        if (tr.nextElementSibling?.classList.contains("activity-row")) tr.nextElementSibling.remove();
        tr.remove();
        updateCount();
        status.replaceChildren(notice(`${u.email} was deleted.`, "ok"));
      });
      // Sessions and events open in a row under the user's (one at a time per user).
      const activityButton = action("Activity", "secondary", async () => {
        const open = tr.nextElementSibling;
        if (open?.classList.contains("activity-row")) return void open.remove();
        tr.after(h("tr", { class: "activity-row" }, h("td", { colspan: "5" }, userActivity(ctx, u.id, u.email))));
      });
      tr.replaceChildren(
        h("td", { "data-label": "Email" }, u.email),
        h("td", { "data-label": "Name" }, u.name ?? "—"),
        h("td", { "data-label": "Role" }, u.role),
        h("td", { "data-label": "Status" }, u.disabled ? "disabled" : u.emailVerified ? "active" : "unverified"),
        h("td", { class: "row-actions" }, activityButton, roleButton, disableButton, deleteButton),
      );
    };
    fill(user);
    return tr;
  }

  const patch = (u: User, body: UserPatchInput) => ctx.client.admin.updateUser(u.id, body);

  function action(label: string, kind: string, work: () => Promise<void>): HTMLButtonElement {
    const button = h("button", { type: "button", class: kind }, label);
    button.addEventListener("click", () => {
      status.replaceChildren();
      (errorBox.firstChild as HTMLElement).textContent = "";
      void busy(button, work).catch((error) => showError(errorBox, error));
    });
    return button;
  }

  const search = form([field("Search by email or name", "q", { type: "search", value: query })], "Search", async (v) => {
    query = v.q!.trim();
    await load(true);
  });
  search.classList.add("inline");
  more.addEventListener("click", () => void busy(more, () => load(false)).catch((error) => showError(errorBox, error)));

  const roleSelect = h("div", { class: "field" }, h("label", { for: "new-role" }, "Role"),
    h("select", { id: "new-role", name: "role" }, h("option", { value: "user" }, "user"), h("option", { value: "admin" }, "admin")));
  const verified = h("div", { class: "field check" }, h("input", { type: "checkbox", id: "new-verified", name: "emailVerified", checked: true }),
    h("label", { for: "new-verified" }, "Email already verified"));
  const create = form(
    [field("Email", "email", { type: "email", required: true, autocomplete: "off" }), field("Name (optional)", "name", { maxlength: 100, autocomplete: "off" }),
      field("Password", "password", { type: "password", required: true, autocomplete: "new-password" }), roleSelect, verified],
    "Create user",
    async (v, el) => {
      const role = v.role === "admin" ? "admin" : "user";
      const user = await ctx.client.admin.createUser({
        email: v.email!, password: v.password!, role, emailVerified: v.emailVerified === "on", ...(v.name?.trim() ? { name: v.name } : {}),
      });
      rows.prepend(row(user));
      updateCount();
      el.reset();
      status.replaceChildren(notice(`${user.email} was created.`, "ok"));
    },
    { email_taken: "email" },
  );

  const table = h("table", { class: "users" },
    h("caption", { class: "visually-hidden" }, "Users"),
    h("thead", {}, h("tr", {}, ...["Email", "Name", "Role", "Status", "Actions"].map((t) => h("th", { scope: "col" }, t)))), rows);
  void load(true).catch((error) => showError(errorBox, error));
  return h("div", { class: "stack" },
    h("section", { class: "card" }, h("h1", {}, "Users"), search, status, errorBox, h("div", { class: "table-wrap" }, table), count, more),
    h("section", { class: "card" }, h("h2", {}, "Create a user"), create));
}
