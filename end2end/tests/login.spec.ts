// Logging in and out through the built-in demonstration provider, with
// JavaScript off and on; axe-core on every page of the journey.
import { test, expect, type Page } from '@playwright/test';
import { expectNoAxeViolations, waitForHydration, watchConsole } from './support';

async function chooseAndContinue(page: Page, who: RegExp | string) {
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Log in to the demonstration');
  await page.getByRole('radio', { name: who }).check();
  await page.getByRole('button', { name: 'Continue' }).click();
}

test.describe('with JavaScript off', () => {
  test.use({ javaScriptEnabled: false });

  test('a patient logs in with the form, sees their home page and logs out', async ({ page }) => {
    await page.goto('/login');
    await page.getByRole('button', { name: 'Continue to NHS login' }).click();
    await chooseAndContinue(page, /Priya Hartley/);
    await expect(page).toHaveURL(/\/home$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Priya Hartley');
    await expect(page.getByRole('link', { name: 'Appointments' })).toBeVisible();

    await page.getByRole('button', { name: 'Log out' }).click();
    await expect(page).toHaveURL(/\/logged-out$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('You have logged out');
    await page.goto('/home');
    await expect(page).toHaveURL(/\/login$/);
  });

  test('declining to share details lands on a page that says what to do', async ({ page }) => {
    await page.goto('/auth/patient/start');
    await page.getByRole('button', { name: 'Do not share my details' }).click();
    await expect(page).toHaveURL(/\/login\/problem\/declined$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('You did not share your details');
    await expect(page.getByText('call 111').first()).toBeVisible();
  });

  test('a partly verified patient is asked to prove who they are', async ({ page }) => {
    await page.goto('/auth/patient/start');
    await chooseAndContinue(page, /\(P5\)/);
    await expect(page.getByText('You need to prove who you are')).toBeVisible();
    await page.getByRole('button', { name: 'Prove who you are with NHS login' }).click();
    await expect(page.getByText('The application asked you to prove who you are')).toBeVisible();
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByText('Your GP practice')).toBeVisible();
  });
});

// axe-core is a script: the new pages are checked as the server renders
// them (the app's own script blocked) and hydrated.
test('axe-core finds nothing on the log-in pages, server-rendered and hydrated', async ({ page }) => {
  const paths = ['/login', '/login/problem/declined', '/login/problem/not-registered', '/logged-out'];
  for (const blocked of [true, false]) {
    if (blocked) await page.route('**/pkg/carebook.*.js', (route) => route.abort());
    else await page.unroute('**/pkg/carebook.*.js');
    for (const path of paths) {
      await page.goto(path);
      await expectNoAxeViolations(page);
    }
  }
  // The demonstration provider's own page, and the partly verified home page.
  await page.goto('/auth/patient/start');
  await expectNoAxeViolations(page);
  await page.getByRole('radio', { name: /\(P5\)/ }).check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByText('You need to prove who you are')).toBeVisible();
  await expectNoAxeViolations(page);
});

test.describe('with JavaScript on', () => {
  test('a receptionist logs in to the staff home page and logs out', async ({ page }) => {
    const problems = watchConsole(page);
    await page.goto('/login');
    await waitForHydration(page);
    await page.getByRole('button', { name: 'Log in as staff' }).click();
    await chooseAndContinue(page, /receptionist/);
    await expect(page).toHaveURL(/\/staff$/);
    await expect(page.getByRole('heading', { level: 2 }).first()).toContainText('Receptionist at');
    await expectNoAxeViolations(page);
    await page.getByRole('button', { name: 'Log out' }).click();
    await expect(page).toHaveURL(/\/logged-out$/);
    expect(problems).toEqual([]);
  });
});
