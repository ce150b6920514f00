import { test, expect, type Page } from '@playwright/test';
import { ADMIN_STATE, addPerson, createSchedule, expectHydrated, failOnPageErrors, unique } from '../support';

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
  await createSchedule(admin, name);
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
  // A week has room for the whole name; the legend says it too.
  await expect(picture.locator('.segment-text', { hasText: ada }).first()).toBeVisible();
  await expect(picture.getByRole('list', { name: 'Legend' })).toContainText(ada);
  await expect(picture.locator('.handoff').filter({ hasText: new RegExp(`${bob} (takes over|comes on call)`) }).first()).toBeVisible();

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
  // Removing asks first, saying what changes.
  await overrides.locator('summary', { hasText: 'Remove override' }).click();
  await expect(overrides.locator('.confirm-box')).toContainText('the rotation decides again');
  await overrides.getByRole('button', { name: 'Remove the override' }).click();
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

test('deleting a schedule asks first, and an admin restores it from Recently deleted', async ({ browser }) => {
  const context = await browser.newContext({ storageState: ADMIN_STATE });
  const admin = await context.newPage();
  const errors = failOnPageErrors(admin);
  const name = unique('Weekend rota');
  await createSchedule(admin, name);

  // The first button only opens the question, which says what goes.
  const settings = admin.getByRole('region', { name: 'Schedule settings' });
  await settings.locator('summary', { hasText: 'Delete schedule' }).click();
  await expect(settings.locator('.confirm-box')).toContainText(`${name} is deleted with its layers and overrides`);
  await settings.getByRole('button', { name: `Delete ${name}` }).click();
  await expect(admin).toHaveURL(/\/on-call$/);
  await expect(admin.getByRole('row').filter({ hasText: name })).toHaveCount(0);

  // Restored without JavaScript: the form works before hydration too.
  const plain = await browser.newContext({ storageState: ADMIN_STATE, javaScriptEnabled: false });
  const page = await plain.newPage();
  await page.goto('/on-call/deleted');
  const deleted = page.getByRole('region', { name: 'Schedules' });
  await expect(deleted.locator('.catalog-item', { hasText: name })).toContainText('restorable until');
  await deleted.getByRole('button', { name: `Restore ${name}` }).click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  await plain.close();
  await admin.goto('/on-call');
  await expect(admin.getByRole('row').filter({ hasText: name })).toHaveCount(1);
  expect(errors).toEqual([]);
  await context.close();
});
