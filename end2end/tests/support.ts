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

/** Adds a service on the services settings page (as an admin). */
export async function addService(page: Page, name: string): Promise<void> {
  await page.goto('/settings/services');
  await expectHydrated(page);
  const form = page.getByRole('region', { name: 'Add a service' });
  await form.getByLabel('Name').fill(name);
  await form.getByRole('button', { name: 'Add service' }).click();
  await expect(page.locator('.catalog-head').getByText(name, { exact: true })).toBeVisible();
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

/**
 * The signed-in application's main pages: every list and settings page, and one incident,
 * schedule, policy, post-mortem and action item when they exist (the journeys that make them run
 * before the files that use this).
 */
export async function mainPages(page: Page): Promise<string[]> {
  const paths: string[] = ['/', '/settings/users', '/settings/profile', '/incidents', '/incidents/declare', '/settings/services', '/settings/role-types', '/status-page', '/settings/notifications', '/on-call', '/on-call/policies', '/on-call/pages', '/post-mortems', '/action-items', '/action-items?all=true&status=all', '/settings/post-mortem-templates'];
  await page.goto('/incidents');
  const first = page.locator('.incidents-table a.cell-title').first();
  if (await first.count()) paths.push((await first.getAttribute('href'))!);
  await page.goto('/on-call');
  const schedule = page.locator('.schedules-table a').first();
  if (await schedule.count()) paths.push((await schedule.getAttribute('href'))!);
  await page.goto('/on-call/policies');
  const policy = page.locator('.catalog-head a').first();
  if (await policy.count()) paths.push((await policy.getAttribute('href'))!);
  await page.goto('/post-mortems');
  const postMortem = page.locator('.data-table a').first();
  if (await postMortem.count()) paths.push((await postMortem.getAttribute('href'))!);
  await page.goto('/action-items?all=true&status=all');
  const item = page.locator('.action-items a.cell-title').first();
  if (await item.count()) paths.push((await item.getAttribute('href'))!);
  return paths;
}

/** Creates a schedule in UTC from the On-call page; ends on its hydrated page. */
export async function createSchedule(admin: Page, name: string): Promise<void> {
  await admin.goto('/on-call');
  await expectHydrated(admin);
  const create = admin.getByRole('region', { name: 'New schedule' });
  await create.getByLabel('Name').fill(name);
  await create.getByLabel('Time zone').selectOption('UTC');
  await create.getByRole('button', { name: 'Create schedule' }).click();
  await expect(admin.getByRole('heading', { level: 1, name })).toBeVisible();
  await expectHydrated(admin);
}
