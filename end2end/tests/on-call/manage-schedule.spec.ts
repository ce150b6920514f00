import { test, expect } from '@playwright/test';
import { ADMIN_STATE, addPerson, expectHydrated, failOnPageErrors, unique } from '../support';

test('a weekly rotation of two people, and an override that takes effect', async ({ browser }) => {
  test.setTimeout(90_000);
  const context = await browser.newContext({ storageState: ADMIN_STATE });
  const admin = await context.newPage();
  const errors = failOnPageErrors(admin);

  // Two responders to take turns.
  const ada = unique('Ada');
  const bob = unique('Bob');
  await admin.goto('/settings/users');
  await expectHydrated(admin);
  for (const name of [ada, bob]) {
    await addPerson(admin, { email: `${name.toLowerCase()}@example.com`, name, role: 'responder', password: 'a long enough passphrase' });
  }

  // A schedule in UTC.
  const name = unique('Platform');
  await admin.goto('/on-call');
  await expectHydrated(admin);
  const create = admin.getByRole('region', { name: 'New schedule' });
  await create.getByLabel('Name').fill(name);
  await create.getByLabel('Time zone').selectOption('UTC');
  await create.getByRole('button', { name: 'Create schedule' }).click();
  await expect(admin.getByRole('heading', { level: 1, name })).toBeVisible();
  await expectHydrated(admin);
  const layers = admin.getByRole('region', { name: 'Layers' });
  await expect(layers.getByText('No layers yet')).toBeVisible();

  // Weekly turns, Ada first, from today at midnight.
  const today = new Date().toISOString().slice(0, 10);
  await layers.locator('summary', { hasText: 'Add a layer' }).click();
  await layers.getByLabel('Person 1').selectOption({ label: ada });
  await layers.getByLabel('Person 2').selectOption({ label: bob });
  await layers.getByLabel('Shift length').fill('1');
  await layers.getByLabel('Unit').selectOption('weeks');
  await layers.getByLabel('Hand-off time').fill('00:00');
  await layers.getByLabel('First shift starts on').fill(today);
  await layers.getByRole('button', { name: 'Add layer' }).click();
  await expect(layers.getByText(`Turns: ${ada}, ${bob}`)).toBeVisible();
  await expect(admin.locator('header .on-call-now')).toContainText(ada);
  const picture = admin.getByRole('region', { name: 'Who is on call' });
  await expect(picture.getByRole('list', { name: 'Final schedule' })).toContainText(ada);
  await expect(picture.locator('svg.schedule-bar text', { hasText: ada }).first()).toBeVisible();
  await expect(picture.locator('.handoff').filter({ hasText: bob })).toBeVisible();

  // Bob covers from now for an hour: he is on call at once.
  const overrides = admin.getByRole('region', { name: 'Overrides' });
  await overrides.locator('summary', { hasText: 'Add an override' }).click();
  await overrides.getByLabel('Who is on call').selectOption({ label: bob });
  await overrides.getByLabel('How').selectOption('cover');
  await overrides.getByRole('button', { name: 'Add override' }).click();
  await expect(overrides.locator('.cell-title').filter({ hasText: `${bob} covers for whoever is on call` })).toBeVisible();
  await expect(admin.locator('header .on-call-now')).toContainText(bob);

  // The list says so too.
  await admin.goto('/on-call');
  const row = admin.getByRole('row').filter({ hasText: name });
  await expect(row.locator('.on-call-now')).toHaveText(bob);

  // Removing the override gives the turn back to Ada.
  await row.getByRole('link', { name }).click();
  await expectHydrated(admin);
  await admin.getByRole('button', { name: /^Remove override/ }).click();
  await expect(admin.getByRole('region', { name: 'Overrides' }).getByText('No overrides now or coming.')).toBeVisible();
  await expect(admin.locator('header .on-call-now')).toContainText(ada);
  expect(errors).toEqual([]);
  await context.close();
});

test('a schedule is made and read without JavaScript', async ({ browser }) => {
  const context = await browser.newContext({ storageState: ADMIN_STATE, javaScriptEnabled: false });
  const admin = await context.newPage();
  const name = unique('Night shift');
  await admin.goto('/on-call');
  const create = admin.getByRole('region', { name: 'New schedule' });
  await create.getByLabel('Name').fill(name);
  await create.getByLabel('Time zone').selectOption('Europe/Berlin');
  await create.getByRole('button', { name: 'Create schedule' }).click();
  await expect(admin.getByRole('heading', { level: 1, name })).toBeVisible();
  await expect(admin.getByText('Time zone: Europe/Berlin')).toBeVisible();
  // A layer without people comes back with the error beside its field.
  const layers = admin.getByRole('region', { name: 'Layers' });
  await layers.locator('summary', { hasText: 'Add a layer' }).click();
  await layers.getByLabel('First shift starts on').fill('2026-01-05');
  await layers.getByRole('button', { name: 'Add layer' }).click();
  await expect(layers.locator('.field-error', { hasText: 'Add at least one person to the rotation.' })).toBeVisible();
  await context.close();
});
