/**
 * The soak's clients: virtual users who register, verify, log in, refresh, read and edit their
 * profile, change passwords and log out against a running server, re-logging in whenever their
 * session is gone (a Redis restart ends every session by design).
 */

import { sleep, waitForCode, type Client, type MailSink } from "./client";

export type Account = {
  email: string;
  /** Passwords that may be current: one, or two after a change whose answer was lost. */
  passwords: string[];
  access?: string;
  refresh?: string;
  /** One virtual user at a time per account, so the client's idea of its password stays true. */
  busy?: boolean;
};

/**
 * The accounts the run created (a 201 from /auth/register); registrations answered with an error
 * (the server said it failed), and those with no answer at all (client timeout: either outcome is fair).
 */
export type Ledger = { accounts: Account[]; refused: string[]; unanswered: string[] };

let counter = 0;
const pick = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)]!;

/** One virtual user's loop until `until` (ms epoch). */
export async function runWorker(client: Client, mail: MailSink, ledger: Ledger, until: number): Promise<void> {
  while (Date.now() < until) {
    const roll = Math.random();
    const candidate = ledger.accounts.length > 0 ? pick(ledger.accounts) : undefined;
    const account = candidate && !candidate.busy ? candidate : undefined;
    if (account) account.busy = true;
    try {
      await act(roll, account);
    } finally {
      if (account) account.busy = false;
    }
    await sleep(5);
  }

  async function act(roll: number, account: Account | undefined) {
    if (roll < 0.1 || !account) await register(client, mail, ledger);
    else if (roll < 0.3) await login(client, account);
    else if (roll < 0.55) await me(client, account);
    else if (roll < 0.7) await refresh(client, account);
    else if (roll < 0.78) await client.send("PATCH", "/users/me", { name: `soak ${counter++}` }, account.access);
    else if (roll < 0.83) await client.send("POST", "/auth/login", { email: `nobody-${counter++}@soak.test`, password: "wrong password" });
    else if (roll < 0.88) await changePassword(client, account);
    else if (roll < 0.93) await logout(client, account);
    else await client.send("GET", pick(["/health", "/ready"]));
  }
}

async function register(client: Client, mail: MailSink, ledger: Ledger) {
  const email = `soak-${process.pid}-${counter++}@soak.test`;
  const account: Account = { email, passwords: [`soak password ${counter}`] };
  const res = await client.send("POST", "/auth/register", { email, password: account.passwords[0] });
  if (res.status !== 201) {
    (res.status === 0 ? ledger.unanswered : ledger.refused).push(email);
    return;
  }
  ledger.accounts.push(account);
  const code = await waitForCode(mail, email, "verify-email");
  if (!code) return;
  const verified = await client.send("POST", "/auth/verify", { email, code });
  if (verified.status === 200) Object.assign(account, { access: verified.body.access_token, refresh: verified.body.refresh_token });
}

async function login(client: Client, account: Account) {
  for (const password of account.passwords) {
    const res = await client.send("POST", "/auth/login", { email: account.email, password });
    if (res.status === 200) {
      Object.assign(account, { passwords: [password], access: res.body.access_token, refresh: res.body.refresh_token });
      return;
    }
    if (res.status !== 401) return;
  }
}

async function me(client: Client, account: Account) {
  if (!account.access) return login(client, account);
  const res = await client.send("GET", "/users/me", undefined, account.access);
  if (res.status === 401) account.access = undefined;
}

async function refresh(client: Client, account: Account) {
  if (!account.refresh) return login(client, account);
  const res = await client.send("POST", "/auth/refresh", { refresh_token: account.refresh });
  if (res.status === 200) Object.assign(account, { access: res.body.access_token, refresh: res.body.refresh_token });
  else if (res.status === 401) Object.assign(account, { access: undefined, refresh: undefined });
}

async function changePassword(client: Client, account: Account) {
  if (!account.access || account.passwords.length !== 1) return;
  const next = `soak password ${counter++}`;
  const res = await client.send("POST", "/users/me/password", { currentPassword: account.passwords[0], newPassword: next }, account.access);
  if (res.status === 204) account.passwords = [next];
  // No answer, or a 5xx: the change may or may not have happened.
  else if (res.status === 0 || res.status >= 500) account.passwords = [account.passwords[0]!, next];
}

async function logout(client: Client, account: Account) {
  if (!account.refresh) return;
  const res = await client.send("POST", "/auth/logout", { refresh_token: account.refresh });
  if (res.status === 204) Object.assign(account, { access: undefined, refresh: undefined });
}

/** After the run: can this account log in (verifying its email first if it never got to)? "ok" or why not. */
export async function canLogIn(client: Client, mail: MailSink, account: Account): Promise<string> {
  const answers: string[] = [];
  for (const password of account.passwords) {
    const res = await client.send("POST", "/auth/login", { email: account.email, password });
    if (res.status === 200) return "ok";
    answers.push(`${res.status} ${res.body.code ?? ""}`.trim());
    if (res.status === 403 && res.body.code === "email_not_verified") {
      if (!(await verifyLate(client, mail, account.email))) return "could not verify";
      const late = await client.send("POST", "/auth/login", { email: account.email, password });
      return late.status === 200 ? "ok" : `after verifying: ${late.status} ${late.body.code ?? ""}`;
    }
  }
  return answers.join(", ");
}

/** The code sent at registration if it still works, else a new one (after the one-a-minute cooldown). */
async function verifyLate(client: Client, mail: MailSink, email: string): Promise<boolean> {
  const sent = mail.code(email, "verify-email");
  if (sent && (await client.send("POST", "/auth/verify", { email, code: sent })).status === 200) return true;
  for (let attempt = 0; attempt < 2; attempt++) {
    await client.send("POST", "/auth/verify/resend", { email });
    const code = await waitForCode(mail, email, "verify-email", sent);
    if (code) return (await client.send("POST", "/auth/verify", { email, code })).status === 200;
    await sleep(61_000); // the cooldown of the last send holds: wait it out once
  }
  return false;
}
