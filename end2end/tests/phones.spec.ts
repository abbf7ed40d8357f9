// Phones first: pages are HTML and only islands load WebAssembly; assets
// are served compressed, hashed and cached for ever, pages with personal
// data never stored; the times page fits a phone and the day list a
// receptionist's screen. JavaScript off and on where it matters.
import { test, expect, type Page, type BrowserContext } from '@playwright/test';
import { BUNDLE, assetPaths, expectNoAxeViolations, waitForHydration, watchConsole } from './support';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

async function logInPatient(page: Page, nhs = '9990000018') {
  await page.goto(`/auth/patient/start?login_hint=${nhs}`);
  await expect(page).toHaveURL(/\/home$/);
}

/** Bytes over the wire (headers and encoded bodies) while `visit` runs. */
async function transferred(page: Page, visit: () => Promise<unknown>): Promise<{ bytes: number; urls: string[] }> {
  const finished: Promise<number>[] = [];
  const urls: string[] = [];
  const onFinished = (request: import('@playwright/test').Request) => {
    urls.push(new URL(request.url()).pathname);
    finished.push(request.sizes().then((s) => s.responseBodySize + s.responseHeadersSize).catch(() => 0));
  };
  page.on('requestfinished', onFinished);
  await visit();
  await page.waitForLoadState('load');
  await page.waitForTimeout(300);
  page.off('requestfinished', onFinished);
  const sizes = await Promise.all(finished);
  return { bytes: sizes.reduce((a, b) => a + b, 0), urls };
}

async function pageHeight(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollHeight);
}

for (const js of [false, true]) {
  test.describe(`the times page at 390 px, JavaScript ${js ? 'on' : 'off'}`, () => {
    test.use({ viewport: PHONE });
    test('groups a week by day and part of the day, moves between weeks, filters, and fits three screens', async ({ page }) => {
      const problems = watchConsole(page);
      if (!js) await page.route(BUNDLE, (route) => route.abort());
      await logInPatient(page);
      await page.goto('/appointments/book/times?service=gp_appointment');
      if (js) await waitForHydration(page);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText('Choose a time');
      await expect(page.getByRole('heading', { name: 'First available' })).toBeVisible();
      const days = page.locator('.cb-day');
      expect(await days.count()).toBeGreaterThan(0);
      await expect(days.first()).toHaveAttribute('open', '');
      await expect(page.locator('.cb-times__legend').first()).toContainText(/Morning|Afternoon|Evening/);
      const height = await pageHeight(page);
      console.log(`times page, one week, as first shown at 390 px: ${height} px (${(height / PHONE.height).toFixed(2)} screens)`);
      expect(height).toBeLessThanOrEqual(3 * PHONE.height);
      await expectNoAxeViolations(page);

      // Every day open: still one week.
      await page.evaluate(() => document.querySelectorAll('details.cb-day').forEach((d) => ((d as HTMLDetailsElement).open = true)));
      const open = await pageHeight(page);
      console.log(`times page, one week, every day open at 390 px: ${open} px (${(open / PHONE.height).toFixed(2)} screens)`);
      await page.evaluate(() => document.querySelectorAll('details.cb-day').forEach((d, i) => ((d as HTMLDetailsElement).open = i === 0)));

      // Next and previous week are links.
      const range = await page.locator('.cb-weeks__range').innerText();
      await page.getByRole('link', { name: 'Next week' }).click();
      await expect(page).toHaveURL(/week=1/);
      await expect(page.locator('.cb-weeks__range')).not.toHaveText(range);
      await page.getByRole('link', { name: 'Previous week' }).click();
      await expect(page).toHaveURL(/week=0/);
      await expect(page.locator('.cb-weeks__range')).toHaveText(range);

      // Filters: phone calls only, then clear.
      await page.getByText('Filter times').click();
      await page.getByLabel('How').selectOption('telephone');
      await page.getByRole('button', { name: 'Show times' }).click();
      await expect(page).toHaveURL(/channel=telephone/);
      const legends = await page.locator('.cb-times__legend').allTextContents();
      expect(legends.length).toBeGreaterThan(0);
      for (const l of legends) expect(l).toContain('Phone call');
      await expect(page.getByLabel('How')).toHaveValue('telephone');
      await expectNoAxeViolations(page);
      await page.getByRole('link', { name: 'Clear filters' }).click();
      await expect(page).not.toHaveURL(/channel=/);

      // Nothing wider than the smallest phone.
      await page.setViewportSize({ width: 320, height: 640 });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(overflow).toBeLessThanOrEqual(320);

      // A time chosen from a later day goes to the confirmation.
      await page.locator('.cb-day summary').last().click();
      await page.locator('.cb-day').last().getByRole('radio').last().check();
      await page.getByRole('button', { name: 'Continue' }).click();
      await expect(page.getByRole('heading', { level: 1 })).toHaveText('Check and confirm your appointment');
      expect(problems).toEqual([]);
    });
  });
}

test.describe('the day list at 1280 px', () => {
  test.use({ viewport: DESKTOP });
  test("a practice's whole day fits two screen heights, with no text box on the free rows", async ({ page }) => {
    await page.goto('/auth/staff/start?login_hint=demo-receptionist');
    // The next weekday in London: the demonstration's rotas run Monday to Friday.
    let n = 1;
    let day = '';
    for (; n < 8; n++) {
      const d = new Date(Date.now() + n * 86400000);
      const weekday = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', weekday: 'short' }).format(d);
      if (weekday !== 'Sat' && weekday !== 'Sun') {
        day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(d);
        break;
      }
    }
    await page.goto(`/staff/day?day=${day}`);
    await waitForHydration(page);
    const rows = await page.locator('.cb-daylist__row').count();
    expect(rows).toBeGreaterThan(20);
    await expect(page.locator('.cb-daylist__row input[type=text]:visible')).toHaveCount(0);
    // From the top of the page to the end of the practice's day (the
    // footer is not part of the day).
    const height = await page.evaluate(() => {
      const lists = document.querySelectorAll('.cb-daylist');
      return Math.ceil(lists[lists.length - 1].getBoundingClientRect().bottom + window.scrollY);
    });
    const whole = await pageHeight(page);
    console.log(`day list, ${rows} times of one practice at 1280 px: ${height} px to the end of the day (${(height / DESKTOP.height).toFixed(2)} screens), ${whole} px with the footer`);
    expect(height).toBeLessThanOrEqual(2 * DESKTOP.height);
    await expectNoAxeViolations(page);
    // A tablet: still every row, one clinician under another.
    await page.setViewportSize({ width: 768, height: 1024 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(768);
  });
});

test('a page with no island loads no script bundle and no WebAssembly; a page with one hydrates it', async ({ page }) => {
  const problems = watchConsole(page);
  const loaded: string[] = [];
  page.on('request', (r) => loaded.push(new URL(r.url()).pathname));
  await page.goto('/');
  await waitForHydration(page);
  await logInPatient(page);
  for (const path of ['/home', '/appointments', '/appointments/book', '/appointments/book/times?service=gp_appointment']) {
    await page.goto(path);
    await waitForHydration(page);
  }
  expect(loaded.filter((p) => p.endsWith('.wasm') || /\/pkg\/.*\.js$/.test(p))).toEqual([]);

  // An unknown kind of appointment: the error summary, an island, takes focus.
  await page.goto('/appointments/book/times?service=none');
  await expect(page.locator('leptos-island')).toHaveCount(1);
  await waitForHydration(page);
  expect(loaded.some((p) => p.endsWith('.wasm'))).toBe(true);
  await expect(page.locator('.nhsuk-error-summary')).toBeFocused();
  expect(problems).toEqual([]);
});

test('assets are compressed, hashed and cached for ever; pages with personal data are never stored', async ({ page }) => {
  const assets = await assetPaths(page);
  for (const path of [assets.css, assets.js, assets.wasm]) {
    expect(path).toMatch(/\/pkg\/carebook\.[0-9a-f]{16}\.(css|js|wasm)$/);
    for (const encoding of ['br', 'gzip']) {
      const r = await page.request.get(path, { headers: { 'accept-encoding': encoding } });
      expect(r.status(), path).toBe(200);
      expect(r.headers()['content-encoding'], `${path} ${encoding}`).toBe(encoding);
      expect(r.headers()['cache-control'], path).toBe('public, max-age=31536000, immutable');
    }
  }
  expect((await page.request.get(assets.wasm)).headers()['content-type']).toBe('application/wasm');
  await logInPatient(page);
  for (const path of ['/home', '/appointments']) {
    const r = await page.request.get(path, { headers: { 'accept-encoding': 'br' } });
    expect(r.headers()['cache-control'], path).toBe('no-store');
    expect(r.headers()['content-encoding'], path).toBe('br');
  }
});

async function firstAndSecond(context: BrowserContext, first: string, second: string, login: boolean) {
  const page = await context.newPage();
  if (login) {
    // Log in without the browser: its cache stays empty for the first visit.
    const r = await page.request.get('/auth/patient/start?login_hint=9990000018');
    expect(r.url()).toMatch(/\/home$/);
  }
  const one = await transferred(page, () => page.goto(first));
  const two = await transferred(page, () => page.goto(second));
  console.log(`first visit to ${first}: ${one.bytes} bytes (${one.urls.join(', ')}); then ${second}: ${two.bytes} bytes`);
  expect(one.bytes).toBeLessThanOrEqual(250_000);
  expect(two.bytes).toBeLessThanOrEqual(30_000);
}

test('a first visit costs at most 250 KB and the next page at most 30 KB', async ({ browser }) => {
  const anonymous = await browser.newContext();
  // (Not /practices: its search is an island, and loads the islands' bundle.)
  await firstAndSecond(anonymous, '/', '/login', false);
  await anonymous.close();
  const patient = await browser.newContext();
  await firstAndSecond(patient, '/home', '/appointments', true);
  await patient.close();
});
