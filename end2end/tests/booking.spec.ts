// Booking, moving and cancelling an appointment as a patient, with
// JavaScript off and on (the same plain forms: the pages have no island);
// axe-core on each new page.
import { test, expect, type Page } from '@playwright/test';
import { expectNoAxeViolations, waitForHydration, watchConsole } from './support';

async function logIn(page: Page, nhsNumber: string) {
  await page.goto(`/auth/patient/start?login_hint=${nhsNumber}`);
  await expect(page).toHaveURL(/\/home$/);
}

async function bookMoveAndCancel(page: Page, hydrated: boolean) {
  await page.goto('/appointments');
  if (hydrated) await waitForHydration(page);
  if (hydrated) await expectNoAxeViolations(page);
  await page.getByRole('button', { name: 'Book an appointment' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('What do you need an appointment for?');
  if (hydrated) await expectNoAxeViolations(page);
  await page.getByRole('radio', { name: 'GP appointment' }).check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Choose a time');
  if (hydrated) await expectNoAxeViolations(page);
  // Times later in the week: the first ones of the list may be within the
  // two hours in which a patient can no longer move an appointment online.
  // Each day of the week opens to its times; the last day's last time.
  await page.locator('.cb-day summary').last().click();
  const times = page.locator('.cb-day').last().getByRole('radio');
  await times.nth((await times.count()) - 1).check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Check and confirm your appointment');
  if (hydrated) await expectNoAxeViolations(page);
  await page.getByLabel('Anything the clinician should know? (optional)').fill('Knee pain after running');
  await page.getByRole('button', { name: 'Book this appointment' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Appointment confirmed');
  if (hydrated) await expectNoAxeViolations(page);
  const booked = await page.locator('.nhsuk-panel__body').innerText();

  // Move it.
  await page.goto('/appointments');
  await page.getByRole('link', { name: 'Change or cancel this appointment' }).first().click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your appointment');
  if (hydrated) await expectNoAxeViolations(page);
  await page.getByRole('link', { name: 'Choose a new time' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Choose a time');
  await page.locator('.cb-day summary').last().click();
  const later = page.locator('.cb-day').last().getByRole('radio');
  await later.nth(Math.max(0, (await later.count()) - 2)).check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Check and confirm the new time');
  await page.getByRole('button', { name: 'Move my appointment' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Appointment confirmed');
  const moved = await page.locator('.nhsuk-panel__body').innerText();
  expect(moved).not.toEqual(booked);

  // Cancel it.
  await page.goto('/appointments');
  await page.getByRole('link', { name: 'Change or cancel this appointment' }).first().click();
  await page.getByLabel('Why are you cancelling?').fill('Feeling better');
  await page.getByRole('button', { name: 'Cancel appointment' }).click();
  await expect(page).toHaveURL(/\/appointments\?cancelled=1$/);
  await expect(page.getByText('Your appointment has been cancelled.')).toBeVisible();
  await expect(page.getByText('Cancelled by you').first()).toBeVisible();
}

test.describe('with JavaScript off', () => {
  test.use({ javaScriptEnabled: false });
  test('a patient books, moves and cancels an appointment with plain forms', async ({ page }) => {
    await logIn(page, '9990000018');
    await bookMoveAndCancel(page, false);
  });
});

test.describe('with JavaScript on', () => {
  test('a patient books, moves and cancels an appointment', async ({ page }) => {
    const problems = watchConsole(page);
    const personas = await (await page.request.get('/demonstration')).text();
    // The diabetes persona: any other fully verified patient would do.
    const nhs = /(999 ?\d{3} ?\d{4})<\/td><td>[^<]*diabetes/i.exec(personas)?.[1]?.replace(/ /g, '') ?? '9990000018';
    await logIn(page, nhs);
    await bookMoveAndCancel(page, true);
    expect(problems).toEqual([]);
  });
});

test.describe('the waiting list, as the server renders it', () => {
  test('a patient asks for an earlier time between two dates', async ({ page }) => {
    await page.route('**/pkg/carebook.*.js', (route) => route.abort());
    await logIn(page, '9990000018');
    await page.goto('/appointments/book/times?service=gp_appointment&moving=');
    await expect(page.getByRole('heading', { level: 2, name: 'Want an earlier time?' })).toBeVisible();
    const day = (n: number) => new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);
    await page.getByLabel('From').fill(day(1));
    await page.getByLabel('Until').fill(day(5));
    await page.getByRole('button', { name: 'Join the waiting list' }).click();
    await expect(page).toHaveURL(/\/appointments\?waitlist=1$/);
    await expect(page.getByText('You are on the waiting list.')).toBeVisible();
    await expectNoAxeViolations(page);
  });
});
