import { test, expect } from '@playwright/test';
import { ADMIN_STATE, addPerson, expectHydrated, signIn, unique } from '../support';

test('an admin changes a role and deactivates a person, whose session ends at once', async ({ browser }) => {
  const email = `${unique('leaver')}@example.com`;
  const name = `Lee ${unique('L')}`;
  const password = 'leaver passphrase 2026';

  const adminContext = await browser.newContext({ storageState: ADMIN_STATE });
  const admin = await adminContext.newPage();
  await admin.goto('/settings/users');
  await expectHydrated(admin);
  await addPerson(admin, { email, name, role: 'responder', password });

  const personContext = await browser.newContext();
  const person = await personContext.newPage();
  await signIn(person, email, password);
  await expect(person.getByText('Responder', { exact: true })).toBeVisible();

  const row = admin.getByRole('row', { name: new RegExp(name) });
  await row.getByLabel(`Role for ${name}`).selectOption('viewer');
  await row.getByRole('button', { name: `Save role for ${name}` }).click();
  await expect(admin.getByRole('row', { name: new RegExp(name) }).getByLabel(`Role for ${name}`)).toHaveValue('viewer');
  await person.reload();
  await expect(person.getByText('Viewer', { exact: true })).toBeVisible();

  // Deactivating asks first, saying what it does.
  const userRow = admin.getByRole('row', { name: new RegExp(name) });
  await userRow.locator('summary', { hasText: 'Deactivate' }).click();
  await expect(userRow.locator('.confirm-box')).toContainText('is signed out everywhere');
  await userRow.getByRole('button', { name: `Deactivate ${name}` }).click();
  await expect(admin.getByRole('row', { name: new RegExp(name) }).getByText('Deactivated')).toBeVisible();

  await person.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await person.reload();
  await expect(person).toHaveURL(/\/login\?next=/);

  // The admin cannot remove their own admin role while they are the only admin.
  const self = admin.getByRole('row', { name: /\(you\)/ });
  await self.getByRole('combobox').selectOption('viewer');
  await self.getByRole('button', { name: /^Save role for/ }).click();
  await expect(admin.getByRole('alert')).toContainText('Quell needs at least one active admin');
  await adminContext.close();
  await personContext.close();
});

test('an admin makes a one-time reset link; the person chooses a new password through it and is signed out elsewhere', async ({ browser }) => {
  const email = `${unique('forgetful')}@example.com`;
  const name = `Fran ${unique('F')}`;
  const adminContext = await browser.newContext({ storageState: ADMIN_STATE });
  const admin = await adminContext.newPage();
  await admin.goto('/settings/users');
  await expectHydrated(admin);
  await expect(admin.getByRole('link', { name: '← Settings' })).toBeVisible();
  await addPerson(admin, { email, name, role: 'responder', password: 'first passphrase 2026' });

  const personContext = await browser.newContext();
  const person = await personContext.newPage();
  await signIn(person, email, 'first passphrase 2026');

  // The admin makes a one-time link and passes it on.
  const card = admin.getByRole('region', { name: 'Reset a password' });
  await card.getByLabel('Person').selectOption({ label: `${name} (${email})` });
  await card.getByRole('button', { name: 'Make a reset link' }).click();
  await expect(admin.getByRole('heading', { level: 1, name: 'Reset link' })).toBeVisible();
  const link = await admin.getByLabel(`Reset link for ${name}`).inputValue();
  expect(link).toMatch(/\/reset-password\/[0-9a-f]+$/);
  await admin.getByRole('link', { name: '← Users' }).click();
  await expect(admin.getByRole('heading', { level: 1, name: 'Users' })).toBeVisible();

  // The person opens it signed out, without JavaScript, and chooses a new password.
  const phone = await browser.newContext({ storageState: { cookies: [], origins: [] }, javaScriptEnabled: false });
  const resetPage = await phone.newPage();
  await resetPage.goto(link);
  await resetPage.getByLabel('New password', { exact: true }).fill('chosen passphrase 2026');
  await resetPage.getByLabel('Confirm new password').fill('another passphrase 2026');
  await resetPage.getByRole('button', { name: 'Set password' }).click();
  await expect(resetPage.locator('#new_password_confirmation-error')).toHaveText("The new passwords don't match.");
  await resetPage.getByLabel('New password', { exact: true }).fill('chosen passphrase 2026');
  await resetPage.getByLabel('Confirm new password').fill('chosen passphrase 2026');
  await resetPage.getByRole('button', { name: 'Set password' }).click();
  await expect(resetPage.getByText('Your new password is set')).toBeVisible();
  await resetPage.goto(link);
  await expect(resetPage.getByText('This reset link has been used')).toBeVisible();
  await phone.close();

  // Every earlier session has ended; the new password works.
  await person.reload();
  await expect(person).toHaveURL(/\/login\?next=/);
  await signIn(person, email, 'chosen passphrase 2026');
  await adminContext.close();
  await personContext.close();
});
