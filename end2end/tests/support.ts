import { expect, type Page } from '@playwright/test';

export const ADMIN = {
  email: 'first.admin@example.com',
  name: 'Frances Admin',
  password: 'a long first-admin passphrase',
};
export const ADMIN_STATE = '.auth/admin.json';

/** A name no other test uses. */
export function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}

/**
 * Collects uncaught errors and console errors of the page (a failed hydration shows up here).
 * Chromium's own "Failed to load resource" lines for 4xx answers are expected when a form is
 * rejected, so they are left out.
 */
export function failOnPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    const text = message.text();
    const expectedRejection = /^Failed to load resource: the server responded with a status of 4\d\d/.test(text);
    if (message.type() === 'error' && !expectedRejection) errors.push(text);
  });
  return errors;
}

/** Waits until the browser has hydrated the page (the wasm marks <body data-hydrated>). */
export async function expectHydrated(page: Page): Promise<void> {
  await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
}

export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: /^Welcome,/ })).toBeVisible();
}

export async function expectMainNavigation(page: Page): Promise<void> {
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const section of ['Incidents', 'On-call', 'Post-mortems', 'Action items', 'Status page', 'Settings']) {
    await expect(nav.getByRole('link', { name: section, exact: true })).toBeVisible();
  }
}

export interface NewPerson {
  email: string;
  name: string;
  role: 'admin' | 'responder' | 'viewer';
  password: string;
}

/** Fills the "Add a person" form on /settings/users and submits it; returns the form. */
export async function submitNewPerson(page: Page, person: NewPerson) {
  const form = page.getByRole('region', { name: 'Add a person' });
  await form.getByLabel('Email').fill(person.email);
  await form.getByLabel('Name').fill(person.name);
  await form.getByLabel('Role', { exact: true }).selectOption(person.role);
  await form.getByLabel('Temporary password').fill(person.password);
  await form.getByRole('button', { name: 'Add person' }).click();
  return form;
}

/** Adds a person through the form and waits for the confirmation. */
export async function addPerson(page: Page, person: NewPerson): Promise<void> {
  const form = await submitNewPerson(page, person);
  await expect(form.getByRole('status')).toContainText(`${person.name} can now sign in`);
}

/** Declares an incident affecting `service` through the form; ends on its hydrated page. */
export async function declareIncident(page: Page, title: string, service: string): Promise<void> {
  await page.goto('/incidents/declare');
  await expectHydrated(page);
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Severity').selectOption({ index: 1 });
  await page.getByRole('group', { name: 'Affected services' }).getByLabel(service).check();
  await page.getByRole('button', { name: 'Declare incident' }).click();
  await expect(page).toHaveURL(/\/incidents\/\d+$/);
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await expectHydrated(page);
}
