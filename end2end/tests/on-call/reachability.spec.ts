import { test, expect } from '@playwright/test';
import { ADMIN_STATE, addPerson, expectHydrated, failOnPageErrors, signIn, unique } from '../support';

test('every account can be paged from the start, and Quell names whoever cannot', async ({ browser }) => {
  const adminContext = await browser.newContext({ storageState: ADMIN_STATE });
  const admin = await adminContext.newPage();
  const errors = failOnPageErrors(admin);
  const riley = { email: `${unique('riley')}@example.com`, name: unique('Riley'), role: 'responder' as const, password: 'riley passphrase 2026' };
  await admin.goto('/settings/users');
  await expectHydrated(admin);
  await addPerson(admin, riley);

  // A new account is reached at its email from the start.
  const rileyContext = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const rileyPage = await rileyContext.newPage();
  await signIn(rileyPage, riley.email, riley.password);
  await rileyPage.goto('/settings/profile');
  await expectHydrated(rileyPage);
  await expect(rileyPage.getByRole('link', { name: '← Settings' })).toBeVisible();
  const methods = rileyPage.getByRole('region', { name: 'Contact methods' });
  await expect(methods.locator('.catalog-item', { hasText: 'Account email' })).toContainText(riley.email);
  await expect(methods).toContainText('This is your only contact method');
  await admin.goto('/settings');
  await expect(admin.getByRole('region', { name: /^Can't be paged/ }).getByText(riley.name, { exact: true })).toHaveCount(0);

  // Riley removes it: the profile warns, Settings names Riley, the paging form marks the name.
  await methods.getByRole('button', { name: 'Remove Account email' }).click();
  await expect(methods.getByRole('alert')).toContainText("You can't be paged");
  await admin.goto('/settings');
  await expect(admin.getByRole('region', { name: /^Can't be paged/ }).getByText(riley.name, { exact: true })).toBeVisible();
  await admin.goto('/on-call/pages');
  await expectHydrated(admin);
  const form = admin.getByRole('region', { name: 'Page someone' });
  await expect(form.getByLabel('Page', { exact: true }).locator('option', { hasText: `Person: ${riley.name} (no contact method: won't be reached)` })).toHaveCount(1);

  // Adding a method back makes Riley reachable again.
  await methods.getByLabel('Kind').selectOption('email');
  await methods.getByLabel('Label').fill('Work');
  await methods.getByLabel('Address or URL').fill(riley.email);
  await methods.getByRole('button', { name: 'Add contact method' }).click();
  await expect(methods.locator('.cell-title', { hasText: 'Work' })).toBeVisible();
  await admin.goto('/settings');
  await expect(admin.getByText(riley.name, { exact: true })).toHaveCount(0);

  // A test page goes the whole way, and shows on the pages list.
  const testPage = rileyPage.getByRole('region', { name: 'Test page' });
  await testPage.getByRole('button', { name: 'Send me a test page' }).click();
  await expect(testPage.getByRole('status')).toContainText('Test page sent');
  await admin.goto('/on-call/pages');
  await expect(admin.locator('.catalog-item', { hasText: `${riley.name} (test page)` }).first()).toBeVisible();
  expect(errors).toEqual([]);
  await rileyContext.close();
  await adminContext.close();
});
