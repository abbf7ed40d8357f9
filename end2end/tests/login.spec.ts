// Logging in and out through the built-in demonstration provider, with
// JavaScript off and on; axe-core on every page of the journey.
import { test, expect, type Page } from '@playwright/test';
import { expectNoAxeViolations, watchConsole } from './support';

async function chooseAndContinue(page: Page, who: RegExp | string) {
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Log in to the demonstration');
  await page.getByRole('radio', { name: who }).check();
  await page.getByRole('button', { name: 'Continue' }).click();
}

test.describe('with JavaScript off', () => {
  test.use({ javaScriptEnabled: false });

  test('a patient logs in with the form, sees their home page and logs out', async ({ page }) => {
    await page.goto('/login');
    await expectNoAxeViolations(page);
    await page.getByRole('button', { name: 'Continue to NHS login' }).click();
    await expectNoAxeViolations(page);
    await chooseAndContinue(page, /Priya Hartley/);
    await expect(page).toHaveURL(/\/home$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Priya Hartley');
    await expect(page.getByRole('link', { name: 'Appointments' })).toBeVisible();
    await expectNoAxeViolations(page);

    await page.getByRole('button', { name: 'Log out' }).click();
    await expect(page).toHaveURL(/\/logged-out$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('You have logged out');
    await expectNoAxeViolations(page);
    await page.goto('/home');
    await expect(page).toHaveURL(/\/login$/);
  });

  test('declining to share details lands on a page that says what to do', async ({ page }) => {
    await page.goto('/auth/patient/start');
    await page.getByRole('button', { name: 'Do not share my details' }).click();
    await expect(page).toHaveURL(/\/login\/problem\/declined$/);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('You did not share your details');
    await expect(page.getByText('call 111')).toBeVisible();
    await expectNoAxeViolations(page);
  });

  test('a partly verified patient is asked to prove who they are', async ({ page }) => {
    await page.goto('/auth/patient/start');
    await chooseAndContinue(page, /\(P5\)/);
    await expect(page.getByText('You need to prove who you are')).toBeVisible();
    await expectNoAxeViolations(page);
    await page.getByRole('button', { name: 'Prove who you are with NHS login' }).click();
    await expect(page.getByText('The application asked you to prove who you are')).toBeVisible();
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByText('Your GP practice')).toBeVisible();
  });
});

test.describe('with JavaScript on', () => {
  test('a receptionist logs in to the staff home page and logs out', async ({ page }) => {
    const problems = watchConsole(page);
    await page.goto('/login');
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
