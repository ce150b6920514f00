import { test, expect } from '@playwright/test';
import { ADMIN_STATE, expectHydrated, expectMainNavigation, failOnPageErrors, signIn, submitNewPerson, unique } from '../support';

test('an admin adds a responder, who signs in and sees the navigation but not user administration', async ({ browser }) => {
  const email = `${unique('responder')}@example.com`;
  const name = `Rita ${unique('R')}`;
  const password = 'responder passphrase 42';

  const adminContext = await browser.newContext({ storageState: ADMIN_STATE });
  const admin = await adminContext.newPage();
  const errors = failOnPageErrors(admin);
  await admin.goto('/settings/users');
  await expect(admin.getByRole('heading', { level: 1, name: 'Users' })).toBeVisible();
  await expectHydrated(admin);

  const form = await submitNewPerson(admin, { email, name, role: 'responder', password: 'short' });
  await expect(form.getByText('Use at least 12 characters.')).toBeVisible();
  await expect(form.getByLabel('Email')).toHaveValue(email);

  await form.getByLabel('Temporary password').fill(password);
  await form.getByRole('button', { name: 'Add person' }).click();
  await expect(form.getByRole('status')).toContainText(`${name} can now sign in`);
  const row = admin.getByRole('row', { name: new RegExp(name) });
  await expect(row).toBeVisible();
  await expect(row.getByLabel(`Role for ${name}`)).toHaveValue('responder');
  expect(errors).toEqual([]);
  await adminContext.close();

  const responderContext = await browser.newContext();
  const responder = await responderContext.newPage();
  await signIn(responder, email, password);
  await expectMainNavigation(responder);
  await expect(responder.getByText('Responder', { exact: true })).toBeVisible();
  await responder.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await expect(responder.getByRole('link', { name: 'Your profile', exact: true })).toBeVisible();
  await expect(responder.getByRole('link', { name: 'Users', exact: true })).toHaveCount(0);
  const refused = await responder.goto('/settings/users');
  expect(refused?.status()).toBe(403);
  await expect(responder.getByRole('heading', { name: 'Not allowed' })).toBeVisible();
  await responderContext.close();
});
