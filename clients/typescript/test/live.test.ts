// Runs the scenarios against the real server: a fresh data folder, the
// action plan and demo data, an admin made with the CLI, on a free port.
// PIONIERS_BIN names the binary (make test-typescript builds bin/pioniers).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import { createPioniersClient, isProblem } from "../src/index.js";
import * as scenario from "./scenarios.js";

const bin = resolve(process.env.PIONIERS_BIN ?? "../../bin/pioniers");
const email = "admin@example.org";
const password = "typed-front-end-password";

let dataDir = "";
let server: ChildProcess | undefined;
let origin = "";
let baseUrl = "";
let token = "";

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      s.close(() => ok(port));
    });
  });
}

function cli(args: string[], input?: string): void {
  const r = spawnSync(bin, [...args, "--data-dir", dataDir], { input, encoding: "utf8" });
  assert.equal(r.status, 0, `pioniers ${args.join(" ")}: ${r.stderr}`);
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "pioniers-ts-"));
  cli(["seed", "--demo"]);
  cli(["user", "create", "--email", email, "--role", "admin", "--password-stdin"], password + "\n");
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  baseUrl = `${origin}/v1`;
  server = spawn(bin, ["serve", "--data-dir", dataDir, "--addr", `127.0.0.1:${port}`, "--rate-limit", "0"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  server.stderr?.on("data", (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${origin}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the server did not become ready in 30 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  token = await scenario.signIn(baseUrl, email, password);
});

after(() => {
  server?.kill("SIGTERM");
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test("lists and pages meetings", async () => {
  const all = await scenario.listAllMeetings(baseUrl, 100);
  const paged = await scenario.listAllMeetings(baseUrl, 2);
  assert.ok(all.meetings.length > 2, `got ${all.meetings.length} meetings; want the demo's`);
  assert.equal(paged.pages, Math.ceil(all.meetings.length / 2));
  assert.deepEqual(paged.meetings.map((m) => m.id), all.meetings.map((m) => m.id));
});

test("reads NL0037's milestones", async () => {
  const milestones = await scenario.milestonesOf(baseUrl, "NL0037");
  assert.ok(milestones.length > 0, "got no milestones of NL0037");
  for (const m of milestones) assert.equal(m.commitment, "NL0037");
});

test("creates a meeting with a token, patches its venue and clears a field", async () => {
  const { meeting, etag } = await scenario.planMeeting(baseUrl, token, "Typed from TypeScript");
  assert.equal(meeting.description, "To be cleared by a merge patch.");
  const patched = await scenario.moveAndClear(baseUrl, token, meeting.id, etag, "Stadskantoor");
  assert.equal(patched.venue?.name, "Stadskantoor");
  assert.equal(patched.venue?.city, "Schiedam");
  assert.equal(patched.description ?? null, null);
  assert.equal(patched.title, "Typed from TypeScript");
});

test("an anonymous write is a typed problem", async () => {
  const anonymous = createPioniersClient(origin);
  const { data, error, response } = await anonymous.POST("/meetings", {
    body: { title: "x", topic: "x", format: "other", startsAt: "2030-01-01T10:00:00Z", endsAt: "2030-01-01T11:00:00Z" },
  });
  assert.equal(data, undefined);
  assert.equal(response.status, 401);
  assert.equal(response.headers.get("Content-Type"), "application/problem+json");
  assert.ok(isProblem(error));
  assert.equal(error?.status, 401);
});

test("reads a problem's detail", async () => {
  const p = await scenario.problemOf(baseUrl, "01a24667-0000-7000-8000-000000000000");
  assert.equal(p.status, 404);
  assert.match(p.type, /not-found/);
  assert.ok(p.detail.length > 0, "got an empty detail");
});

test("the wrapper sends the token and exports CSV", async () => {
  const client = createPioniersClient(origin, { token: () => token });
  const { data, error } = await client.GET("/me");
  assert.equal(error, undefined);
  assert.equal(data?.email, email);
  const csv = await scenario.exportMeetings(baseUrl);
  assert.match(csv, /^id,/);
});
