// Contact preferences (patients) and parked messages (administrators).
import { test, expect } from '@playwright/test';
import { expectNoAxeViolations } from './support';

// The app's own script blocked: the pages work as plain HTML forms, and
// axe-core (injected by the test runner) checks them as the server sent them.
test.describe('as the server renders it', () => {
  test.beforeEach(async ({ page }) => {
    await page.route('**/pkg/carebook.*.js', (route) => route.abort());
  });

  test('a patient chooses how they are contacted and the choice is kept', async ({ page }) => {
    await page.goto('/auth/patient/start?login_hint=9990000018');
    await page.getByRole('link', { name: 'Choose how we contact you' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Choose how we contact you');
    await expectNoAxeViolations(page);
    const reminderTexts = page.getByRole('group', { name: 'Appointment reminders' }).getByLabel('By text message');
    const wanted = !(await reminderTexts.isChecked());
    await reminderTexts.setChecked(wanted);
    await page.getByRole('button', { name: 'Save my choices' }).click();
    await expect(page.getByText('Your choices have been saved.')).toBeVisible();
    await page.goto('/settings/contact');
    expect(await page.getByRole('group', { name: 'Appointment reminders' }).getByLabel('By text message').isChecked()).toBe(wanted);
  });

  test('a federation administrator sees the messages that could not be sent', async ({ page }) => {
    const personas = await (await page.request.get('/demonstration')).text();
    expect(personas).toContain('federation');
    await page.goto('/auth/staff/start');
    await page.getByRole('radio', { name: /federation/i }).check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('link', { name: 'Messages that could not be sent' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Messages that could not be sent');
    await expectNoAxeViolations(page);
  });
});
