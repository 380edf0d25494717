// Starts the real server binary on a fresh data folder, with the action
// plan's seed, an editor, and a few upcoming meetings created through the API.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
export const repoRoot = resolve(here, '..', '..');
export const binary = process.env.PIONIERS_BIN || join(repoRoot, 'bin', 'pioniers');

export const EDITOR = { email: 'e@example.org', password: 'a-long-password-123' };

// A port nobody listens on now.
export function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

async function waitFor(url, ms) {
  const until = Date.now() + ms;
  let last;
  while (Date.now() < until) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
      last = new Error(`HTTP ${res.status}`);
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer: ${last}`);
}

// The year after this one: its 14 January is in winter time and its
// 8 July in summer time, and both are always upcoming.
export const YEAR = new Date().getUTCFullYear() + 1;

// The meetings the tests create; startsAt in UTC, as on the wire.
export const MEETINGS = {
  winter: {
    title: 'Winteroverleg: open data, de raad; en meer',
    topic: 'Open data in de gemeenteraad',
    description: 'Een kennissessie over open raadsinformatie.',
    format: 'knowledge-session',
    tags: ['open data', 'raad'],
    startsAt: `${YEAR}-01-14T13:00:00Z`, // 14:00 in Amsterdam (CET, UTC+1)
    endsAt: `${YEAR}-01-14T16:00:00Z`,
    guestChair: 'GM0606',
    status: 'confirmed',
    venue: { name: 'Stadskantoor', address: 'Stadserf 1', city: 'Schiedam', hostOrganisation: 'GM0606' },
    onlineUrl: 'https://meet.example.org/winteroverleg' // hybrid: also online
  },
  summer: {
    title: 'Zomerlab: sneller Woo-verzoeken',
    topic: 'Woo-verzoeken',
    format: 'open-government-lab',
    details: { format: 'open-government-lab', case: 'Woo-verzoeken binnen vier weken', caseOwner: 'GM0344' },
    startsAt: `${YEAR}-07-08T12:00:00Z`, // 14:00 in Amsterdam (CEST, UTC+2)
    endsAt: `${YEAR}-07-08T15:00:00Z`,
    guestChair: 'GM0344',
    venue: { name: 'Stadhuis', city: 'Utrecht', hostOrganisation: 'GM0344' }
  },
  cancelled: {
    title: 'Voorjaarsbijeenkomst (afgelast)',
    topic: 'Participatie',
    format: 'residents-meeting',
    details: { format: 'residents-meeting', townHall: 'Stadhuis Schiedam' },
    startsAt: `${YEAR}-03-11T18:00:00Z`,
    endsAt: `${YEAR}-03-11T20:00:00Z`,
    status: 'cancelled',
    cancellationReason: 'Te weinig aanmeldingen',
    venue: { name: 'Stadhuis', city: 'Schiedam' }
  }
};

// start runs seed, user create and serve, and creates MEETINGS. It returns
// the API's origin, the created meetings by key, and stop().
export async function start() {
  if (!existsSync(binary)) {
    throw new Error(`${binary} is missing: run make build (or make test-e2e)`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'pioniers-e2e-'));
  const run = (args, input) => execFileSync(binary, [...args, '--data-dir', dataDir], { input, stdio: ['pipe', 'pipe', 'pipe'] });
  run(['seed']);
  run(['user', 'create', '--email', EDITOR.email, '--role', 'editor', '--password-stdin'], `${EDITOR.password}\n`);

  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const proc = spawn(binary, ['serve', '--addr', `127.0.0.1:${port}`, '--data-dir', dataDir, '--drain-wait', '0s'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout.on('data', (d) => (log += d));
  proc.stderr.on('data', (d) => (log += d));
  const exited = new Promise((r) => proc.once('exit', r));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitFor(`${origin}/healthz`, 15000);
    const tokenRes = await fetch(`${origin}/v1/auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(EDITOR)
    });
    if (!tokenRes.ok) throw new Error(`sign in: HTTP ${tokenRes.status} ${await tokenRes.text()}`);
    const { access_token: token } = await tokenRes.json();
    const created = {};
    for (const [key, body] of Object.entries(MEETINGS)) {
      const res = await fetch(`${origin}/v1/meetings`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify(body)
      });
      if (res.status !== 201) throw new Error(`create ${key}: HTTP ${res.status} ${await res.text()}`);
      created[key] = await res.json();
    }
    return { origin, meetings: created, token, stop, log: () => log };
  } catch (err) {
    await stop();
    throw new Error(`${err.message}\nserver log:\n${log}`);
  }
}
