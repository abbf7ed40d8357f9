// Interoperability: carebook's relying party against a third-party OpenID
// Provider (the npm `oidc-provider` package) configured for private_key_jwt
// and PKCE, with carebook configured only through its normal configuration
// (CAREBOOK_OIDC__* environment variables). A second `carebook demo` is
// started for this, pointed at that provider for patients and for staff.
import { test, expect } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = process.env.CAREBOOK_BIN;
const siteRoot = process.env.CAREBOOK_SITE_ROOT;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, what: string) {
  const until = Date.now() + 60_000;
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {}
    if (Date.now() > until) throw new Error(`${what} did not start`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

let carebook: ChildProcess | undefined;
let op: ChildProcess | undefined;
let dir = '';
let base = '';

test.describe('log-in through a third-party OpenID Provider', () => {
  test.skip(!bin || !siteRoot, 'CAREBOOK_BIN and CAREBOOK_SITE_ROOT are set by scripts/test.sh');

  test.beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'carebook-interop-'));
    const [cbPort, opPort] = [await freePort(), await freePort()];
    base = `http://127.0.0.1:${cbPort}`;
    // carebook's client key: a PEM for carebook, the public JWK for the provider.
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(dir, 'client.pem'), privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const clientJwk = { ...publicKey.export({ format: 'jwk' }), kid: 'carebook-interop-1', use: 'sig', alg: 'RS512' };

    const issuer = `http://127.0.0.1:${opPort}`;
    // Only carebook's own settings: the test runner's CAREBOOK_* variables
    // (base URL, binary) are not configuration keys.
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CAREBOOK_')));
    const env: NodeJS.ProcessEnv = {
      ...inherited,
      CAREBOOK_SITE_ROOT: siteRoot,
      CAREBOOK_LOG_LEVEL: 'warn',
      CAREBOOK_DEMO__DATABASE_URL: `sqlite://${join(dir, 'demo.db')}`,
      CAREBOOK_OIDC__PATIENT__ISSUER: issuer,
      CAREBOOK_OIDC__PATIENT__CLIENT_ID: 'carebook-patient',
      CAREBOOK_OIDC__PATIENT__PRIVATE_KEY_FILE: join(dir, 'client.pem'),
      CAREBOOK_OIDC__PATIENT__KEY_ID: 'carebook-interop-1',
      CAREBOOK_OIDC__STAFF__ISSUER: issuer,
      CAREBOOK_OIDC__STAFF__CLIENT_ID: 'carebook-staff',
      CAREBOOK_OIDC__STAFF__PRIVATE_KEY_FILE: join(dir, 'client.pem'),
      CAREBOOK_OIDC__STAFF__KEY_ID: 'carebook-interop-1',
      CAREBOOK_OIDC__STAFF__ASSERTION_ALG: 'RS512',
      CAREBOOK_OIDC__STAFF__SCOPES: 'openid profile email carebook',
    };
    carebook = spawn(bin!, ['demo', '--listen', `127.0.0.1:${cbPort}`], { env, stdio: 'inherit' });
    await waitFor(`${base}/ready`, 'carebook');

    // The receptionist's practice code, as carebook's directory shows it.
    const practices = await (await fetch(`${base}/practices`)).text();
    const ods = /href="\/practices\/([A-Z0-9]+)"[^>]*>\s*Kingfisher Lane Surgery/.exec(practices)?.[1];
    expect(ods, 'Kingfisher Lane Surgery in the directory').toBeTruthy();
    writeFileSync(
      join(dir, 'op.json'),
      JSON.stringify({
        carebook: base,
        clientJwk,
        patients: { '9990000018': { given_name: 'Priya', family_name: 'Hartley', birthdate: '1985-06-14' } },
        staff: {
          'demo-receptionist': {
            given_name: 'Dawn',
            family_name: 'Pearce',
            roles: [{ role: 'receptionist', organisation_code: ods }],
          },
        },
      }),
    );
    op = spawn('node', [join(__dirname, '..', 'interop', 'op.mjs'), String(opPort), join(dir, 'op.json')], {
      stdio: 'inherit',
    });
    await waitFor(`${issuer}/.well-known/openid-configuration`, 'oidc-provider');
  });

  test.afterAll(async () => {
    carebook?.kill('SIGTERM');
    op?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function signInAtProvider(page: import('@playwright/test').Page, login: string) {
    await expect(page).toHaveURL(/127\.0\.0\.1:\d+\/interaction\//);
    await page.fill('input[name="login"]', login);
    await page.fill('input[name="password"]', 'any password');
    await page.click('button[type="submit"]');
    await page.getByRole('button', { name: 'Continue' }).click();
  }

  test('a patient logs in with private_key_jwt and PKCE and sees their home page', async ({ page }) => {
    await page.goto(`${base}/login`);
    await page.getByRole('button', { name: 'Continue to NHS login' }).click();
    await signInAtProvider(page, '9990000018');
    await expect(page).toHaveURL(`${base}/home`);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Priya Hartley');
    await expect(page.getByText('Kingfisher Lane Surgery')).toBeVisible();
  });

  test('a receptionist logs in and lands on the staff home page for their role', async ({ page }) => {
    await page.goto(`${base}/login`);
    await page.getByRole('button', { name: 'Log in as staff' }).click();
    await signInAtProvider(page, 'demo-receptionist');
    await expect(page).toHaveURL(`${base}/staff`);
    await expect(page.getByRole('heading', { level: 2 })).toContainText('Receptionist at Kingfisher Lane Surgery');
  });
});
