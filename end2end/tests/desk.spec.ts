// The receptionist's desk: finding a patient with no patient detail in any
// address, booking, moving and cancelling for them, marking an appointment
// completed on the day list, and the waiting list. Each journey runs with
// the app's script blocked (plain forms, as the server renders them) and
// hydrated (no console errors), with axe-core on each new page.
//
// It books practice nurse appointments only, for personas no other spec
// books for, and cancels what it does not complete, so the GP times that
// booking.spec.ts and daylist.spec.ts use are left alone.
import { test, expect, type Page, type Request } from '@playwright/test';
import { expectNoAxeViolations, waitForHydration, watchConsole } from './support';

type Person = { nhs: string; spaced: string; family: string; dob: [string, string, string]; name: string };

// Personas from crates/core/src/demo.rs (PERSONAS), registered at Kingfisher
// Lane Surgery, where the receptionist works.
const DEREK: Person = { nhs: '9990000042', spaced: '999 000 0042', family: 'Bramley', dob: ['21', '3', '1955'], name: 'Derek Bramley' };
const GRAHAM: Person = { nhs: '9990000050', spaced: '999 000 0050', family: 'Whitlock', dob: ['11', '11', '1958'], name: 'Graham Whitlock' };
// A valid NHS number (modulus 11) that belongs to nobody in the demonstration.
const NOBODY = '999 000 0085';
// A patient of another practice (Foxglove Medical Practice) in the default
// synthetic population. Were the population to change, the answer would be
// the same: the desk says "no patient you can book for" either way.
const ELSEWHERE = { nhs: '9990043019', family: 'Clarke', dob: ['4', '11', '1986'] as [string, string, string] };

const NURSE = 'Practice nurse appointment';

/** Every address the page asks for, from the first navigation on. */
function watchAddresses(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (r: Request) => seen.push(r.url()));
  return seen;
}

/** No address carried an NHS number (with or without separators) or a last name. */
function expectNothingPersonalIn(addresses: string[], people: { nhs: string; family: string }[]) {
  expect(addresses.length).toBeGreaterThan(0);
  for (const address of addresses) {
    const plain = decodeURIComponent(address.replace(/\+/g, ' ')).toLowerCase();
    for (const p of people) {
      const digits = p.nhs.replace(/\D/g, '');
      const number = new RegExp(`${digits.slice(0, 3)}[\\s-]*${digits.slice(3, 6)}[\\s-]*${digits.slice(6)}`);
      expect(number.test(plain), `NHS number in ${address}`).toBe(false);
      expect(plain, `last name in ${address}`).not.toContain(p.family.toLowerCase());
    }
  }
}

async function logInAtDesk(page: Page) {
  await page.goto('/auth/staff/start?login_hint=demo-receptionist');
  await expect(page).toHaveURL(/\/staff$/);
}

async function open(page: Page, path: string, hydrated: boolean) {
  await page.goto(path);
  if (hydrated) await waitForHydration(page);
}

async function fillDateOfBirth(page: Page, [day, month, year]: [string, string, string]) {
  await page.getByLabel('Day', { exact: true }).fill(day);
  await page.getByLabel('Month', { exact: true }).fill(month);
  await page.getByLabel('Year', { exact: true }).fill(year);
}

/** The day list's rows for a nurse appointment at a time ("2:15pm"). */
function nurseRowsAt(page: Page, time: string) {
  return page
    .getByRole('row')
    .filter({ has: page.getByRole('cell', { name: time, exact: true }) })
    .filter({ hasText: NURSE });
}

/** Press a form's button: a plain form post either way (the desk's pages
 * have no island). With JavaScript on, wait for the next page to load. */
async function submit(page: Page, name: string, hydrated: boolean) {
  const button = page.getByRole('button', { name, exact: true });
  if (!hydrated) return button.click();
  await button.click();
  await waitForHydration(page);
}

async function findPatient(page: Page, who: Person, hydrated: boolean): Promise<string> {
  // Nobody, someone at another practice: the same answer, on the field.
  await open(page, '/staff/book', hydrated);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Book for a patient');
  await expectNoAxeViolations(page);
  await page.getByLabel('NHS number').fill(NOBODY);
  await submit(page, 'Find by NHS number', hydrated);
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('No patient you can book for has that NHS number');
  await expect(alert.getByRole('link')).toHaveAttribute('href', '#nhs-number');
  await expect(page).toHaveURL(/\/staff\/book$/);
  await expect(page.getByLabel('NHS number')).toHaveValue(NOBODY);
  await expectNoAxeViolations(page);

  await page.getByLabel('NHS number').fill(ELSEWHERE.nhs);
  await submit(page, 'Find by NHS number', hydrated);
  await expect(page.getByRole('alert')).toContainText('No patient you can book for has that NHS number');

  await page.getByLabel('Last name').fill(ELSEWHERE.family);
  await fillDateOfBirth(page, ELSEWHERE.dob);
  await submit(page, 'Find by name and date of birth', hydrated);
  await expect(page.getByRole('alert')).toContainText(
    'No patient you can book for matches that name and date of birth. Check the spelling and date of birth with the patient.',
  );
  await expect(page.getByRole('alert').getByRole('link')).toHaveAttribute('href', '#family-name');
  await expect(page.getByLabel('Last name')).toHaveValue(ELSEWHERE.family);
  await expectNoAxeViolations(page);

  // A date of birth that is not a date says which part to fix.
  await page.getByLabel('Last name').fill(who.family);
  await fillDateOfBirth(page, [who.dob[0], who.dob[1], '55']);
  await submit(page, 'Find by name and date of birth', hydrated);
  await expect(page.getByRole('alert')).toContainText('Year must include 4 numbers');
  await expect(page.getByRole('alert').getByRole('link')).toHaveAttribute('href', '#dob-year');

  // By NHS number: one patient, their page, by their opaque id only.
  await page.getByLabel('NHS number').fill(who.spaced);
  await submit(page, 'Find by NHS number', hydrated);
  await expect(page).toHaveURL(/\/staff\/book\?patient=[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { level: 2, name: who.name })).toBeVisible();
  await expect(page.getByText(`*** *** ${who.nhs.slice(-4)}`)).toBeVisible();
  const patientPage = new URL(page.url()).pathname + new URL(page.url()).search;
  await expectNoAxeViolations(page);

  // By last name (any case) and date of birth: the same patient.
  await open(page, '/staff/book', hydrated);
  await page.getByLabel('Last name').fill(who.family.toUpperCase());
  await fillDateOfBirth(page, who.dob);
  await submit(page, 'Find by name and date of birth', hydrated);
  await expect(page).toHaveURL(patientPage);
  await expect(page.getByRole('heading', { level: 2, name: who.name })).toBeVisible();

  // The search page itself, and a problem shown on it.
  await open(page, '/staff/find', hydrated);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Find a patient');
  await expectNoAxeViolations(page);
  await submit(page, 'Find by name and date of birth', hydrated);
  await expect(page.getByRole('alert')).toContainText("Enter the patient's last name");
  await expect(page).toHaveURL(/\/staff\/find$/);
  await expectNoAxeViolations(page);
  return patientPage;
}

/** Book the first free nurse time for the patient; returns its London day, on whose day list the page lands. */
async function bookNurse(page: Page, patientPage: string, hydrated: boolean): Promise<string> {
  await open(page, patientPage, hydrated);
  await page.getByLabel('Kind of appointment').selectOption('nurse');
  await page.getByRole('button', { name: 'Show times' }).click();
  await expect(page.getByRole('group', { name: 'Times this patient can have' })).toBeVisible();
  await page.getByRole('radio').first().check();
  await page.getByRole('button', { name: 'Check this time' }).click();
  const rules = page.getByRole('table', { name: 'Booking rules' });
  await expect(rules).toContainText('The time is free');
  await expect(rules).not.toContainText('Not met');
  await submit(page, 'Book this time', hydrated);
  await expect(page).toHaveURL(/\/staff\/day\?day=\d{4}-\d{2}-\d{2}$/);
  return new URL(page.url()).searchParams.get('day')!;
}

async function moveCompleteAndCancel(page: Page, who: Person, patientPage: string, hydrated: boolean) {
  // Book a nurse time, and read its time from the day list.
  const bookedDay = await bookNurse(page, patientPage, hydrated);
  // Their live appointment (an earlier run may have left a completed one).
  const mine = page.getByRole('row').filter({ hasText: who.name }).filter({ hasText: 'Booked' });
  await expect(mine).toHaveCount(1);
  await expect(mine.getByRole('cell').nth(2)).toHaveText('Booked');
  const oldTime = (await mine.getByRole('cell').first().innerText()).trim();

  // Move it: the upcoming list, a new time, the explainer, the move.
  await open(page, patientPage, hydrated);
  const upcoming = page.getByRole('table', { name: 'Upcoming appointments' });
  await expect(upcoming).toContainText(NURSE);
  await upcoming.getByRole('link', { name: /^Move the appointment on / }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Move ${who.name}'s appointment`);
  await expectNoAxeViolations(page);
  await expect(page.getByRole('group', { name: 'Choose a new time' })).toBeVisible();
  await page.getByRole('radio').first().check();
  await page.getByRole('button', { name: 'Check this time' }).click();
  await expect(page.getByRole('table', { name: 'Booking rules' })).not.toContainText('Not met');
  await expectNoAxeViolations(page);
  await submit(page, 'Move to this time', hydrated);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Appointment moved');
  await expect(page).toHaveURL(/\/staff\/book\?patient=[0-9a-f-]{36}&moved=[0-9a-f-]{36}$/);
  await expect(page.getByRole('table', { name: 'Upcoming appointments' })).toHaveCount(1);
  await expectNoAxeViolations(page);

  // The day list: the new time is theirs, the old one is free again.
  await page.getByRole('link', { name: /^See the day list for / }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Day list');
  const newDay = new URL(page.url()).searchParams.get('day')!;
  const moved = page.getByRole('row').filter({ hasText: who.name }).filter({ hasText: 'Booked' });
  await expect(moved).toHaveCount(1);
  await expect(moved.getByRole('cell').nth(2)).toHaveText('Booked');
  const newTime = (await moved.getByRole('cell').first().innerText()).trim();
  expect(`${newDay} ${newTime}`).not.toEqual(`${bookedDay} ${oldTime}`);
  if (newDay !== bookedDay) await open(page, `/staff/day?day=${bookedDay}`, hydrated);
  await expect(nurseRowsAt(page, oldTime).filter({ hasText: who.name })).toHaveCount(0);
  await expect(nurseRowsAt(page, oldTime).filter({ hasText: 'Free' }).first()).toBeVisible();

  // Mark the moved appointment completed.
  if (newDay !== bookedDay) await open(page, `/staff/day?day=${newDay}`, hydrated);
  await submit(page, `Completed: ${who.name} at ${newTime}`, hydrated);
  await expect(nurseRowsAt(page, newTime).filter({ hasText: who.name }).getByRole('cell').nth(2)).toHaveText('Completed');
  await expect(page.getByRole('button', { name: `Completed: ${who.name} at ${newTime}` })).toHaveCount(0);

  // Book again and cancel, with a reason.
  await bookNurse(page, patientPage, hydrated);
  await open(page, patientPage, hydrated);
  await page.getByRole('table', { name: 'Upcoming appointments' }).getByRole('link', { name: /^Cancel the appointment on / }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Cancel ${who.name}'s appointment`);
  await expectNoAxeViolations(page);
  await submit(page, 'Cancel appointment', hydrated);
  await expect(page.getByRole('alert')).toContainText('Enter why the appointment is being cancelled');
  await expect(page.getByRole('alert').getByRole('link')).toHaveAttribute('href', '#reason');
  await page.getByLabel('Why is the appointment being cancelled?').fill('The patient phoned: feeling better');
  await submit(page, 'Cancel appointment', hydrated);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Appointment cancelled');
  await expect(page.getByText(`${who.name} has no upcoming appointments.`)).toBeVisible();
  await expectNoAxeViolations(page);
}

test.describe('as the server renders it (the app script blocked)', () => {
  test('a receptionist finds a patient, moves, completes and cancels for them with plain forms', async ({ page }) => {
    test.setTimeout(120_000);
    const addresses = watchAddresses(page);
    await page.route('**/pkg/carebook.*.js', (route) => route.abort());
    await logInAtDesk(page);
    const patientPage = await findPatient(page, DEREK, false);
    await moveCompleteAndCancel(page, DEREK, patientPage, false);
    await expect(page.locator('html')).not.toHaveAttribute('data-hydrated', 'true');
    expectNothingPersonalIn(addresses, [DEREK, { nhs: NOBODY, family: 'Bramley' }, ELSEWHERE]);
  });
});

test.describe('hydrated', () => {
  test('a receptionist finds a patient, moves, completes and cancels for them', async ({ page }) => {
    test.setTimeout(120_000);
    const problems = watchConsole(page);
    const addresses = watchAddresses(page);
    await logInAtDesk(page);
    const patientPage = await findPatient(page, GRAHAM, true);
    await moveCompleteAndCancel(page, GRAHAM, patientPage, true);
    expectNothingPersonalIn(addresses, [GRAHAM, { nhs: NOBODY, family: 'Whitlock' }, ELSEWHERE]);
    expect(problems).toEqual([]);
  });
});

test('the waiting list shows a patient who has just joined it', async ({ browser }) => {
  // Sophie Lindqvist asks for an earlier healthcare assistant appointment
  // (a service with no times at her practice, so nothing is offered).
  const patient = await browser.newContext();
  const p = await patient.newPage();
  await p.route('**/pkg/carebook.*.js', (route) => route.abort());
  await p.goto('/auth/patient/start?login_hint=9990000069');
  await expect(p).toHaveURL(/\/home$/);
  await p.goto('/appointments/book/times?service=healthcare_assistant&moving=');
  const day = (n: number) => new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);
  await p.getByLabel('From').fill(day(2));
  await p.getByLabel('Until').fill(day(9));
  await p.getByRole('button', { name: 'Join the waiting list' }).click();
  await expect(p).toHaveURL(/\/appointments\?waitlist=1$/);
  await patient.close();

  const desk = await browser.newContext();
  const page = await desk.newPage();
  await page.route('**/pkg/carebook.*.js', (route) => route.abort());
  await logInAtDesk(page);
  await page.goto('/staff/waitlist');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Waiting list');
  await expect(page.getByRole('heading', { level: 2, name: 'Kingfisher Lane Surgery' })).toBeVisible();
  // Oldest first: hers is the last (an earlier run may have left another).
  const row = page.getByRole('row').filter({ hasText: 'Sophie Lindqvist' }).filter({ hasText: 'Healthcare assistant appointment' }).last();
  await expect(row.getByRole('cell').nth(4)).toHaveText('Waiting');
  const london = (n: number) =>
    new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'long', year: 'numeric' }).format(
      new Date(`${day(n)}T12:00:00Z`),
    );
  await expect(row.getByRole('cell').nth(2)).toHaveText(`${london(2)} to ${london(9)}`);
  await expectNoAxeViolations(page);

  await page.unroute('**/pkg/carebook.*.js');
  const problems = watchConsole(page);
  await page.goto('/staff/waitlist');
  await waitForHydration(page);
  await expect(page.getByRole('row').filter({ hasText: 'Sophie Lindqvist' }).first()).toBeVisible();
  await expectNoAxeViolations(page);
  expect(problems).toEqual([]);
  await desk.close();
});
