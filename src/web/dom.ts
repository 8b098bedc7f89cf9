import { EdgeAuthError } from "../client/client";

type Attrs = Record<string, string | boolean | number | undefined | ((event: Event) => void)>;
type Child = Node | string | null | undefined | false;

/** Creates an element. Text always goes through text nodes, never HTML, so data cannot inject markup. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, "");
    else if (value !== false && value !== undefined) el.setAttribute(name, String(value));
  }
  for (const child of children) if (child) el.append(child);
  return el;
}

let fieldCount = 0;

/** A labelled input with its own error line (aria-describedby), named like the API field it feeds. */
export function field(label: string, name: string, attrs: Attrs = {}): HTMLElement {
  const id = `f${++fieldCount}-${name}`;
  const input = h("input", { id, name, "aria-describedby": `${id}-error`, ...attrs });
  return h("div", { class: "field" }, h("label", { for: id }, label), input, h("p", { class: "field-error", id: `${id}-error`, "data-for": name }));
}

/** Seconds as a short human wait: "45 seconds", "15 minutes". */
export function formatWait(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

/** Clears the error lines of a form. */
export function clearErrors(form: HTMLElement): void {
  for (const p of form.querySelectorAll<HTMLElement>(".field-error, .form-error")) p.textContent = "";
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
}

/**
 * Shows an error where it belongs: each `errors[].path` next to its field, a code that concerns
 * one field (`fieldFor`) next to that field, anything else (with the wait of a 429) above the button.
 */
export function showError(form: HTMLElement, error: unknown, fieldFor: Record<string, string> = {}): void {
  const problem = error instanceof EdgeAuthError ? error : new EdgeAuthError(0, "client", "Something went wrong. Try again.");
  let placed = false;
  const put = (path: string, message: string) => {
    const line = form.querySelector<HTMLElement>(`.field-error[data-for="${CSS.escape(path)}"]`);
    if (!line) return false;
    line.textContent = message;
    form.querySelector(`[name="${CSS.escape(path)}"]`)?.setAttribute("aria-invalid", "true");
    return true;
  };
  for (const e of problem.errors) placed = put(e.path, capitalize(e.message)) || placed;
  const target = fieldFor[problem.code];
  if (!placed && target) placed = put(target, problem.detail);
  if (placed) {
    form.querySelector<HTMLElement>("[aria-invalid]")?.focus();
    return;
  }
  let message = problem.detail;
  if (problem.status === 429 && problem.retryAfter) message = `Too many attempts. Try again in ${formatWait(problem.retryAfter)}.`;
  const line = form.querySelector<HTMLElement>(".form-error");
  if (line) line.textContent = message;
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** A form whose submit runs `action` with its values, with a loading state and its errors shown. */
export function form(
  children: Child[],
  submitLabel: string,
  action: (values: Record<string, string>, form: HTMLFormElement) => Promise<void>,
  fieldFor: Record<string, string> = {},
): HTMLFormElement {
  const button = h("button", { type: "submit", class: "primary" }, submitLabel);
  const el = h("form", { novalidate: true }, ...children, h("p", { class: "form-error", role: "alert" }), button);
  el.addEventListener("submit", (event) => {
    event.preventDefault();
    clearErrors(el);
    const values: Record<string, string> = {};
    for (const [k, v] of new FormData(el)) values[k] = String(v);
    void busy(button, () => action(values, el)).catch((error) => showError(el, error, fieldFor));
  });
  return el;
}

/** Runs `work` with the button disabled and marked busy, so a click cannot be sent twice. */
export async function busy<T>(button: HTMLButtonElement, work: () => Promise<T>): Promise<T> {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

/** Asks before a destructive action, in a modal dialog (focus stays inside; Escape cancels). */
export function confirmAction(message: string, confirmLabel: string): Promise<boolean> {
  return new Promise((resolve) => {
    const dialog = h(
      "dialog",
      { class: "confirm", "aria-labelledby": "confirm-text" },
      h("p", { id: "confirm-text" }, message),
      h(
        "form",
        { method: "dialog", class: "actions" },
        h("button", { value: "cancel", autofocus: true }, "Cancel"),
        h("button", { value: "confirm", class: "danger" }, confirmLabel),
      ),
    );
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue === "confirm");
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** A polite status line (for "code sent" and similar). */
export function notice(text: string, kind: "info" | "ok" = "info"): HTMLElement {
  return h("p", { class: `notice ${kind}`, role: "status" }, text);
}

/** Whether this server has passkeys on: the page says so (routes/web.ts), so the UI never asks a 404. */
export const passkeysEnabled = (): boolean =>
  document.querySelector<HTMLMetaElement>('meta[name="edge-auth-passkeys"]')?.content === "on";
