// The receptionist's day list: a patient's booking appears under its
// clinician, the desk marks the arrival, and blocks and unblocks a free
// time. Plain forms (the app's script blocked), then axe-core hydrated.
import { test, expect } from '@playwright/test';
import { expectNoAxeViolations, waitForHydration } from './support';

test('a receptionist sees the day, marks an arrival and blocks a free time', async ({ browser, baseURL }) => {
  // A patient books a time at their practice through the booking API.
  const patient = await browser.newContext();
  const p = await patient.newPage();
  await p.goto('/auth/patient/start?login_hint=9990000018');
  const today = new Date();
  const day = (n: number) => new Date(today.getTime() + n * 86400000).toISOString().slice(0, 10);
  const available = await (await p.request.get(`/api/v1/availability?service=gp_appointment&from=${day(1)}&to=${day(6)}`)).json();
  const slot = available.slots.find((s: { organisation: { name: string } }) => s.organisation.name === 'Kingfisher Lane Surgery');
  expect(slot).toBeTruthy();
  const booked = await p.request.post('/api/v1/appointments', {
    headers: { origin: baseURL!, 'idempotency-key': `daylist-${Date.now()}` },
    data: { slot_id: slot.slot_id },
  });
  expect(booked.status()).toBe(201);
  const when = new Date(slot.starts_at);
  const londonDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(when);
  await patient.close();

  const desk = await browser.newContext();
  const page = await desk.newPage();
  await page.route('**/pkg/carebook.*.js', (route) => route.abort());
  await page.goto('/auth/staff/start?login_hint=demo-receptionist');
  await page.goto(`/staff/day?day=${londonDay}`);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Day list');
  await expect(page.getByRole('heading', { level: 2, name: 'Kingfisher Lane Surgery' })).toBeVisible();
  const row = page.getByRole('row').filter({ hasText: 'Priya Hartley' }).first();
  await expect(row).toContainText('Booked');
  await row.getByRole('button', { name: /arrived at/ }).click();
  await expect(page.getByRole('row').filter({ hasText: 'Priya Hartley' }).first()).toContainText('Arrived');

  const free = page.getByRole('row').filter({ hasText: 'Free' }).first();
  const time = (await free.getByRole('cell').first().innerText()).trim();
  // A free time's actions are in its row menu, not a box on every row.
  await free.getByText('Actions').click();
  await free.getByRole('textbox').fill('GP on leave');
  await free.getByRole('button', { name: 'Block' }).click();
  const blocked = page.getByRole('row').filter({ hasText: 'Blocked: GP on leave' }).first();
  await expect(blocked).toContainText(time);
  await blocked.getByRole('button', { name: 'Unblock' }).click();
  await expect(page.getByRole('row').filter({ hasText: 'Blocked: GP on leave' })).toHaveCount(0);
  await expectNoAxeViolations(page);

  await page.unroute('**/pkg/carebook.*.js');
  await page.goto(`/staff/day?day=${londonDay}`);
  await waitForHydration(page);
  await expectNoAxeViolations(page);
  await desk.close();
});

test('a receptionist finds a patient by NHS number (a POST), sees why a time is allowed, and books it', async ({ page }) => {
  await page.route('**/pkg/carebook.*.js', (route) => route.abort());
  await page.goto('/auth/staff/start?login_hint=demo-receptionist');
  await page.goto('/staff/book');
  await expectNoAxeViolations(page);
  await page.getByLabel('NHS number').fill('999 000 0018');
  await page.getByRole('button', { name: 'Find by NHS number' }).click();
  // A POST: the patient's page is addressed by their opaque id, never by
  // their NHS number.
  await expect(page).toHaveURL(/\/staff\/book\?patient=[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { level: 2, name: 'Priya Hartley' })).toBeVisible();
  await page.getByLabel('Kind of appointment').selectOption('gp_appointment');
  await page.getByRole('button', { name: 'Show times' }).click();
  await page.getByRole('radio').nth(2).check();
  await page.getByRole('button', { name: 'Check this time' }).click();
  const rules = page.getByRole('table', { name: 'Booking rules' });
  await expect(rules).toContainText('The time is free');
  await expect(rules).not.toContainText('Not met');
  await expectNoAxeViolations(page);
  await page.getByRole('button', { name: 'Book this time' }).click();
  await expect(page).toHaveURL(/\/staff\/day\?day=/);
  await expect(page.getByRole('row').filter({ hasText: 'Priya Hartley' }).first()).toContainText(/Booked|Arrived/);

  // A number that is not a patient of this practice says so.
  await page.goto('/staff/book');
  await page.getByLabel('NHS number').fill('123');
  await page.getByRole('button', { name: 'Find by NHS number' }).click();
  await expect(page.getByRole('alert')).toContainText('NHS number must be 10 digits');
  await expect(page).toHaveURL(/\/staff\/book$/);
});
