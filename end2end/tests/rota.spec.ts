// Rota templates, slot generation and booking rules, for practice staff.
//
// The receptionist builds a rota with plain forms (the app's script
// blocked): a form with problems first, then a good one; generates its
// slots for a week more than two weeks ahead (the demonstration makes only a
// week of slots from today, so that week is otherwise empty), sees them on
// the day list, and generating again adds none. The practice administrator
// changes the medication review rules, hydrated, and puts carebook's
// defaults back; a receptionist sees the rules but cannot change them, not
// even by posting the form. axe-core on each new page.
//
// The rota is a staff-only blood test clinic and the rules changed are the
// medication review's, which no other spec books or reads, and they are
// reset: the GP and nurse times other specs use are left alone.
import { test, expect, type Page } from '@playwright/test';
import { expectNoAxeViolations, waitForHydration, watchConsole } from './support';

const PRACTICE = 'Kingfisher Lane Surgery';

/** A London date, n days after today's. */
function londonDay(n: number): string {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());
  const d = new Date(`${today}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** The first Monday at least `n` days from today, London time. */
function mondayAfter(n: number): string {
  for (let i = n; ; i++) {
    if (new Date(`${londonDay(i)}T12:00:00Z`).getUTCDay() === 1) return londonDay(i);
  }
}

function plusDays(day: string, n: number): string {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

async function logIn(page: Page, who: string) {
  await page.goto(`/auth/staff/start?login_hint=${who}`);
  await expect(page).toHaveURL(/\/staff$/);
}

const errorSummary = (page: Page) => page.locator('.nhsuk-error-summary');
const banner = (page: Page) => page.locator('.nhsuk-notification-banner--success');

test.describe('as the server renders it (the app script blocked)', () => {
  test.beforeEach(async ({ page }) => {
    await page.route('**/pkg/carebook.*.js', (route) => route.abort());
  });

  test('a receptionist adds a rota, generates its slots, sees them on the day list, and generating again adds none', async ({ page }) => {
    test.setTimeout(90_000);
    const monday = mondayAfter(15);
    const wednesday = plusDays(monday, 2);
    const sunday = plusDays(monday, 6);
    await logIn(page, 'demo-receptionist');

    await page.goto('/staff/rotas');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Rota templates');
    await expect(page.getByRole('heading', { level: 2, name: PRACTICE })).toBeVisible();
    // The demonstration's own rotas are listed.
    const rotas = page.getByRole('table', { name: PRACTICE });
    await expect(rotas).toContainText('Mon–Fri 08:30–12:00, 10 min');
    await expectNoAxeViolations(page);

    await page.getByRole('link', { name: `Add a rota at ${PRACTICE}` }).click();
    await expect(page).toHaveURL(/\/staff\/rotas\/new\?org=[0-9a-f-]{36}$/);
    const newRota = page.url();
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Add a rota');
    await expectNoAxeViolations(page);

    // Nothing chosen: every problem, each linking to its field; nothing saved.
    await page.getByRole('button', { name: 'Save rota' }).click();
    await expect(page).toHaveURL(newRota);
    const summary = errorSummary(page);
    await expect(summary).toContainText('There is a problem');
    await expect(summary.getByRole('link', { name: 'Choose the clinician who holds the clinics' })).toHaveAttribute('href', '#clinician');
    await expect(summary.getByRole('link', { name: 'Choose the kind of appointment' })).toHaveAttribute('href', '#service');
    await expect(summary.getByRole('link', { name: 'Choose how the appointments happen' })).toHaveAttribute('href', '#channel');
    await expect(summary.getByRole('link', { name: 'Choose who can book these appointments online' })).toHaveAttribute('href', '#bookable-by');
    await expect(summary.getByRole('link', { name: /^Add at least one session/ })).toHaveAttribute('href', '#monday-1-starts');
    await expect(page.locator('#clinician-error')).toContainText('Choose the clinician who holds the clinics');
    await expect(page.locator('#sessions-error')).toContainText('Add at least one session to the rota');
    await expectNoAxeViolations(page);

    // A session that ends before it starts: on its row; what was typed stays.
    await page.getByLabel('Where are the clinics held?').selectOption({ index: 1 });
    await page.getByLabel('Clinician').selectOption({ label: 'Farid Haddad (GP)' });
    await page.getByLabel('Kind of appointment').selectOption('phlebotomy');
    await page.getByRole('radio', { name: 'In person' }).check();
    await page.getByRole('radio', { name: 'Staff only' }).check();
    await page.getByLabel('The rota starts on').fill(monday);
    await page.getByLabel('Monday, first session, starts').fill('09:00');
    await page.getByLabel('Monday, first session, ends').fill('08:00');
    await page.getByLabel('Monday, first session, appointment length in minutes').fill('10');
    await page.getByLabel('Wednesday, first session, starts').fill('14:00');
    await page.getByLabel('Wednesday, first session, ends').fill('15:00');
    await page.getByLabel('Wednesday, first session, appointment length in minutes').fill('15');
    await page.getByLabel('Days off (optional)').fill(`${wednesday} Staff training`);
    await page.getByRole('button', { name: 'Save rota' }).click();
    await expect(page).toHaveURL(newRota);
    await expect(errorSummary(page).getByRole('link')).toHaveCount(1);
    await expect(errorSummary(page).getByRole('link')).toHaveText("Monday's first session: A session must end after it starts");
    await expect(errorSummary(page).getByRole('link')).toHaveAttribute('href', '#monday-1-ends');
    await expect(page.locator('#monday-1-ends-error')).toBeVisible();
    await expect(page.getByLabel('Kind of appointment')).toHaveValue('phlebotomy');
    await expect(page.getByRole('radio', { name: 'Staff only' })).toBeChecked();
    await expect(page.getByLabel('Monday, first session, ends')).toHaveValue('08:00');
    await expect(page.getByLabel('Days off (optional)')).toHaveValue(`${wednesday} Staff training`);
    await expectNoAxeViolations(page);

    // Fixed: saved, on the rota's own page.
    await page.getByLabel('Monday, first session, ends').fill('10:00');
    await page.getByRole('button', { name: 'Save rota' }).click();
    await expect(page).toHaveURL(/\/staff\/rotas\/[0-9a-f-]{36}\?saved=1$/);
    const rotaPage = new URL(page.url()).pathname;
    await expect(banner(page)).toContainText('Rota saved');
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Blood test with Farid Haddad');
    await expect(page.getByLabel('Monday, first session, ends')).toHaveValue('10:00');
    await expectNoAxeViolations(page);

    // Generating from the past is refused, on the field.
    await page.getByLabel('First date').fill(londonDay(-1));
    await page.getByLabel('Last date').fill(sunday);
    await page.getByRole('button', { name: 'Generate slots' }).click();
    await expect(page).toHaveURL(rotaPage);
    await expect(errorSummary(page).getByRole('link', { name: 'Generate slots from today onwards' })).toHaveAttribute('href', '#generate-from');
    await expect(banner(page)).toHaveCount(0);
    await expect(page.getByLabel('First date')).toHaveValue(londonDay(-1));

    // A week of slots: Monday's six; Wednesday is a day off.
    await page.getByLabel('First date').fill(monday);
    await page.getByLabel('Last date').fill(sunday);
    await page.getByRole('button', { name: 'Generate slots' }).click();
    await expect(page).toHaveURL(new RegExp(`${rotaPage}\\?added=6&planned=6&from=${monday}$`));
    await expect(banner(page)).toContainText('6 new slots added (0 were already there)');
    await expectNoAxeViolations(page);

    // Again: nothing new.
    await page.getByLabel('First date').fill(monday);
    await page.getByLabel('Last date').fill(sunday);
    await page.getByRole('button', { name: 'Generate slots' }).click();
    await expect(banner(page)).toContainText('0 new slots added (6 were already there)');

    // The day list for that Monday has them, free, under the clinician.
    await banner(page).getByRole('link', { name: `See the day list for ${monday}` }).click();
    await expect(page).toHaveURL(`/staff/day?day=${monday}`);
    const clinic = page.getByRole('table', { name: 'Farid Haddad' });
    const bloodTests = clinic.getByRole('row').filter({ hasText: 'Blood test' });
    expect(await bloodTests.count()).toBeGreaterThanOrEqual(6);
    await expect(bloodTests.first().getByRole('cell').first()).toHaveText('9am');
    await expect(bloodTests.first()).toContainText('Free');
    await page.goto(`/staff/day?day=${wednesday}`);
    await expect(page.getByRole('row').filter({ hasText: 'Blood test' })).toHaveCount(0);

    // The list shows the new rota.
    await page.goto('/staff/rotas');
    const row = page.getByRole('row').filter({ hasText: 'Blood test' }).filter({ hasText: 'Farid Haddad' }).last();
    await expect(row).toContainText('Staff only');
    await expect(row).toContainText('Mon 09:00–10:00, 10 min');
    await expect(row).toContainText('Wed 14:00–15:00, 15 min');
    await expect(row).toContainText('Staff training');
    await expect(page.locator('html')).not.toHaveAttribute('data-hydrated', 'true');
  });

  test('a receptionist sees the booking rules but cannot change them, even by posting the form', async ({ page, baseURL }) => {
    await logIn(page, 'demo-receptionist');
    await page.goto('/staff/rules');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Booking rules');
    const table = page.getByRole('table', { name: PRACTICE });
    await expect(table.getByRole('row').filter({ hasText: 'Medication review' })).toContainText('28 days');
    await expect(page.getByText('Only practice and hub administrators can change these rules.')).toBeVisible();
    await expect(page.getByRole('link', { name: /^Change/ })).toHaveCount(0);
    await expectNoAxeViolations(page);

    // The organisation's id, from the rota list.
    await page.goto('/staff/rotas');
    const org = new URL((await page.getByRole('link', { name: `Add a rota at ${PRACTICE}` }).getAttribute('href'))!, baseURL).searchParams.get('org')!;
    await page.goto(`/staff/rules/${org}/medication_review`);
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Booking rules: Medication review');
    await expect(page.getByText('Only practice and hub administrators can change booking rules.')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Save rules' })).toHaveCount(0);
    await expect(page.getByRole('button', { name: "Use carebook's defaults" })).toHaveCount(0);
    await expectNoAxeViolations(page);

    // Posting the form anyway (with a good form token) is refused.
    const token = await page.locator('input[name="csrf_token"]').first().getAttribute('value');
    const posted = await page.request.post('/_server/staff/rotas/rules/save', {
      headers: { origin: baseURL! },
      form: {
        csrf_token: token!,
        organisation_id: org,
        service: 'medication_review',
        horizon_days: '5',
        same_day_release: '',
        minimum_notice_minutes: '30',
        change_cutoff_minutes: '120',
        max_active_per_patient: '2',
        condition_codes: '',
        condition_description: '',
      },
      maxRedirects: 0,
    });
    expect(posted.status()).toBeGreaterThanOrEqual(400);
    expect(await posted.text()).toContain('Only practice and federation administrators can change booking rules');
    const reset = await page.request.post('/_server/staff/rotas/rules/reset', {
      headers: { origin: baseURL! },
      form: { csrf_token: token!, organisation_id: org, service: 'medication_review' },
      maxRedirects: 0,
    });
    expect(reset.status()).toBeGreaterThanOrEqual(400);
    await page.goto('/staff/rules');
    const row = page.getByRole('table', { name: PRACTICE }).getByRole('row').filter({ hasText: 'Medication review' });
    await expect(row).toContainText('28 days');
    await expect(row).toContainText("carebook's default");
  });

  test('a patient and a clinician are told whom the pages are for, and see no data', async ({ browser }) => {
    const patient = await browser.newContext();
    const p = await patient.newPage();
    await p.goto('/auth/patient/start?login_hint=9990000018');
    await expect(p).toHaveURL(/\/home$/);
    for (const path of ['/staff/rotas', '/staff/rules', '/staff/rotas/new']) {
      await p.goto(path);
      await expect(p.getByText(/^This page is for /)).toBeVisible();
      await expect(p.getByRole('table')).toHaveCount(0);
      await expect(p.getByRole('button', { name: /^Save/ })).toHaveCount(0);
    }
    await patient.close();

    const clinician = await browser.newContext();
    const c = await clinician.newPage();
    await logIn(c, 'demo-clinician');
    await c.goto('/staff/rotas');
    await expect(c.getByText(/^This page is for receptionists and practice and hub administrators who manage rotas/)).toBeVisible();
    await expect(c.getByRole('table')).toHaveCount(0);
    await c.goto('/staff/rules');
    await expect(c.getByText(/^This page is for practice and hub staff who run appointments/)).toBeVisible();
    await expect(c.getByRole('table')).toHaveCount(0);
    await clinician.close();
  });
});

test.describe('hydrated', () => {
  /** Press a form's button (a plain form post: the page has no island) and
   * wait for the next page. */
  async function submit(page: Page, name: string) {
    await page.getByRole('button', { name, exact: true }).click();
    await waitForHydration(page);
  }

  test("a practice administrator changes how far ahead medication reviews can be booked, then goes back to carebook's defaults", async ({ page }) => {
    test.setTimeout(60_000);
    const problems = watchConsole(page);
    await logIn(page, 'demo-practice-admin');
    await page.goto('/staff/rules');
    await waitForHydration(page);
    await expectNoAxeViolations(page);
    const row = () => page.getByRole('table', { name: PRACTICE }).getByRole('row').filter({ hasText: 'Medication review' });
    await expect(row()).toContainText('28 days');
    await expect(row()).toContainText("carebook's default");

    await row().getByRole('link', { name: 'Change the rules for Medication review' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Booking rules: Medication review');
    await expect(page.getByLabel('How far ahead patients can book, in days')).toHaveValue('28');
    await expect(page.getByRole('button', { name: "Use carebook's defaults" })).toHaveCount(0);
    await expectNoAxeViolations(page);

    // Out of range: the core's message, on the field; nothing saved.
    await page.getByLabel('How far ahead patients can book, in days').fill('400');
    await page.getByLabel('Release today\'s appointments at (optional)').fill('8am');
    await submit(page, 'Save rules');
    const summary = errorSummary(page);
    await expect(summary.getByRole('link', { name: 'How far ahead must be between 1 and 366 days' })).toHaveAttribute('href', '#horizon-days');
    await expect(summary.getByRole('link', { name: /^Enter the same-day release time/ })).toHaveAttribute('href', '#same-day-release');
    await expect(page.locator('#horizon-days-error')).toContainText('How far ahead must be between 1 and 366 days');
    await expect(page.getByLabel('How far ahead patients can book, in days')).toHaveValue('400');
    await expectNoAxeViolations(page);

    await page.getByLabel('How far ahead patients can book, in days').fill('42');
    await page.getByLabel('Release today\'s appointments at (optional)').fill('08:00');
    await page.getByRole('button', { name: 'Save rules', exact: true }).click();
    await expect(page).toHaveURL(/\/staff\/rules\?saved=medication_review$/);
    await expect(banner(page)).toContainText('Booking rules saved for Medication review');
    await expect(row()).toContainText('42 days');
    await expect(row()).toContainText('08:00');
    await expect(row()).toContainText('This practice');
    await expectNoAxeViolations(page);

    // Back to the defaults.
    await row().getByRole('link', { name: 'Change the rules for Medication review' }).click();
    await expect(page.getByLabel('How far ahead patients can book, in days')).toHaveValue('42');
    await page.getByRole('button', { name: "Use carebook's defaults" }).click();
    await expect(page).toHaveURL(/\/staff\/rules\?reset=medication_review$/);
    await expect(banner(page)).toContainText("Medication review now follows carebook's default rules");
    await expect(row()).toContainText('28 days');
    await expect(row()).toContainText("carebook's default");
    await waitForHydration(page);
    expect(problems).toEqual([]);
  });

  test('a practice administrator adds a rota and generates its slots', async ({ page }) => {
    test.setTimeout(60_000);
    const problems = watchConsole(page);
    const monday = mondayAfter(22);
    const tuesday = plusDays(monday, 1);
    await logIn(page, 'demo-practice-admin');
    await page.goto('/staff/rotas');
    await waitForHydration(page);
    await expectNoAxeViolations(page);
    await page.getByRole('link', { name: `Add a rota at ${PRACTICE}` }).click();
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Add a rota');

    // Nothing chosen: the problems come back with the page's data.
    await page.getByRole('button', { name: 'Save rota' }).click();
    await waitForHydration(page);
    await expect(errorSummary(page).getByRole('link', { name: 'Choose the kind of appointment' })).toHaveAttribute('href', '#service');
    await expectNoAxeViolations(page);

    await page.getByLabel('Where are the clinics held?').selectOption({ index: 1 });
    await page.getByLabel('Clinician').selectOption({ label: 'Farid Haddad (GP)' });
    await page.getByLabel('Kind of appointment').selectOption('phlebotomy');
    await page.getByRole('radio', { name: 'Phone call' }).check();
    await page.getByRole('radio', { name: 'Staff only' }).check();
    await page.getByLabel('The rota starts on').fill(monday);
    await page.getByLabel('The rota ends on (optional)').fill(plusDays(monday, 6));
    await page.getByLabel('Tuesday, first session, starts').fill('7:00');
    await page.getByLabel('Tuesday, first session, ends').fill('0730');
    await page.getByLabel('Tuesday, first session, appointment length in minutes').fill('10');
    await page.getByRole('button', { name: 'Save rota' }).click();
    await expect(page).toHaveURL(/\/staff\/rotas\/[0-9a-f-]{36}\?saved=1$/);
    await expect(banner(page)).toContainText('Rota saved');
    await expect(page.getByLabel('Tuesday, first session, starts')).toHaveValue('07:00');
    await expectNoAxeViolations(page);

    await page.getByLabel('First date').fill(monday);
    await page.getByLabel('Last date').fill(plusDays(monday, 13));
    await page.getByRole('button', { name: 'Generate slots' }).click();
    await expect(banner(page)).toContainText('3 new slots added (0 were already there)');
    await page.getByRole('button', { name: 'Generate slots' }).click();
    await expect(banner(page)).toContainText('0 new slots added (3 were already there)');
    await banner(page).getByRole('link', { name: `See the day list for ${monday}` }).click();
    await expect(page).toHaveURL(`/staff/day?day=${monday}`);
    await page.goto(`/staff/day?day=${tuesday}`);
    await expect(page.getByRole('table', { name: 'Farid Haddad' }).getByRole('row').filter({ hasText: 'Blood test' }).first()).toContainText('7am');
    await waitForHydration(page);
    expect(problems).toEqual([]);
  });

  test("a saved rota's page hydrates without console errors", async ({ page }) => {
    const problems = watchConsole(page);
    await logIn(page, 'demo-receptionist');
    await page.goto('/staff/rotas');
    await waitForHydration(page);
    await page.getByRole('link', { name: /^Change the GP appointment rota/ }).first().click();
    await expect(page.getByRole('heading', { level: 2, name: 'Generate slots' })).toBeVisible();
    await expectNoAxeViolations(page);
    expect(problems).toEqual([]);
  });
});

test.describe('on a 320 pixel wide phone', () => {
  test.use({ viewport: { width: 320, height: 640 } });

  test('no rota or rules page scrolls sideways (wide tables scroll within themselves)', async ({ page, baseURL }) => {
    await logIn(page, 'demo-practice-admin');
    await page.goto('/staff/rotas');
    const add = (await page.getByRole('link', { name: `Add a rota at ${PRACTICE}` }).getAttribute('href'))!;
    const change = (await page.getByRole('link', { name: /^Change the GP appointment rota/ }).first().getAttribute('href'))!;
    const org = new URL(add, baseURL).searchParams.get('org')!;
    for (const path of ['/staff/rotas', add, change, '/staff/rules', `/staff/rules/${org}/medication_review`]) {
      await page.goto(path);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width, path).toBeLessThanOrEqual(320);
    }
  });
});
