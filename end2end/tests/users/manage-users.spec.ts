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

  await admin.getByRole('row', { name: new RegExp(name) }).getByRole('button', { name: `Deactivate ${name}` }).click();
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
