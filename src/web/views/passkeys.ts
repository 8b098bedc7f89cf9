import { EdgeAuthError, type Passkey } from "../../client/client";
import type { Ctx } from "../context";
import { busy, confirmAction, field, form, h, passkeysEnabled, showError } from "../dom";

const when = (iso: string) => new Date(iso).toLocaleString();

/**
 * The profile's passkeys: the list (name, added, last used), rename, remove, and "Add a passkey".
 * Renders nothing when the server has passkeys off (the page says so; a 404 would too) or the
 * browser has no WebAuthn for adding.
 */
export function passkeysSection(ctx: Ctx, say: (text: string) => void): HTMLElement {
  if (!passkeysEnabled()) return h("section", { class: "card", hidden: true });
  const list = h("ul", { class: "passkeys", "aria-live": "polite" });
  const section = h("section", { class: "card", hidden: true }, h("h2", {}, "Passkeys"),
    h("p", { class: "muted" }, "Sign in with your fingerprint, face or screen lock instead of a password."), list);

  const render = (passkeys: Passkey[]) => {
    list.replaceChildren(...passkeys.map(item));
    if (passkeys.length === 0) list.append(h("li", { class: "muted" }, "No passkeys yet."));
  };
  const reload = async () => render(await ctx.client.passkeys.list());

  const item = (p: Passkey): HTMLElement => {
    const row = h("li", { class: "passkey", "data-testid": "passkey" });
    const show = () => {
      const rename = h("button", { type: "button", class: "secondary" }, "Rename");
      const remove = h("button", { type: "button", class: "danger" }, "Remove");
      const error = h("p", { class: "form-error", role: "alert" });
      rename.addEventListener("click", () => editName());
      remove.addEventListener("click", () => void busy(remove, async () => {
        if (!(await confirmAction(`Remove the passkey "${p.name}"? You can no longer sign in with it.`, "Remove passkey"))) return;
        try {
          await ctx.client.passkeys.remove(p.id);
          say("Passkey removed.");
          await reload();
        } catch (e) {
          showError(row, e);
        }
      }));
      row.replaceChildren(
        h("strong", { class: "passkey-name" }, p.name),
        h("span", { class: "muted" }, ` Added ${when(p.createdAt)} · ${p.lastUsedAt ? `last used ${when(p.lastUsedAt)}` : "never used"}${p.backedUp ? " · synced" : ""}`),
        h("div", { class: "actions" }, rename, remove), error,
      );
    };
    const editName = () => {
      const f = form([field("Passkey name", "name", { required: true, maxlength: 100, value: p.name })], "Save", async (v) => {
        Object.assign(p, await ctx.client.passkeys.rename(p.id, v.name!));
        show();
      });
      const cancel = h("button", { type: "button", class: "secondary" }, "Cancel");
      cancel.addEventListener("click", show);
      f.append(cancel);
      row.replaceChildren(f);
      f.querySelector("input")?.focus();
    };
    show();
    return row;
  };

  const addForm = form([field("Name (optional)", "name", { maxlength: 100, placeholder: "e.g. My phone" })], "Add a passkey", async (v, el) => {
    try {
      await ctx.client.passkeys.register(v.name?.trim() || undefined);
    } catch (e) {
      // A closed prompt is not an error to show; the client names the browser's other refusals.
      if (e instanceof EdgeAuthError && e.code === "cancelled") return;
      throw e;
    }
    el.reset();
    say("Passkey added. You can now sign in with it.");
    await reload();
  });
  if (ctx.client.passkeys.supported()) section.append(addForm);

  reload().then(() => (section.hidden = false), (e) => {
    // 404: passkeys are off on this server; anything else is shown in the section.
    if ((e as { status?: number }).status === 404) return;
    section.hidden = false;
    showError(addForm, e);
  });
  return section;
}
