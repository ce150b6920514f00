import { test, expect } from '@playwright/test';
import { ADMIN, ADMIN_STATE, expectHydrated, failOnPageErrors, unique } from '../support';

test.use({ storageState: ADMIN_STATE });

test('markup in an incident title stays text in the tab title and the page', async ({ page }) => {
  const errors = failOnPageErrors(page);
  const marker = unique('t');
  const title = `</title><meta http-equiv="refresh" content="0;url=/login?${marker}"><base href="//e.x/">`;
  await page.goto('/incidents/declare');
  await expectHydrated(page);
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Severity').selectOption({ index: 1 });
  await page.getByRole('button', { name: 'Declare incident' }).click();
  await expect(page).toHaveURL(/\/incidents\/\d+$/);
  const incidentUrl = page.url();
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();

  // Loaded afresh (the server's render), the page stays where it is, with the title as text.
  await page.goto(incidentUrl);
  await expectHydrated(page);
  await page.waitForTimeout(1500);
  expect(page.url()).toBe(incidentUrl);
  expect(await page.title()).toContain(title);
  await expect(page.locator('head base')).toHaveCount(0);
  await expect(page.locator('meta[http-equiv="refresh"]')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('a webhook contact method for an internal address is refused beside the field', async ({ page }) => {
  const errors = failOnPageErrors(page);
  await page.goto('/settings/profile');
  await expectHydrated(page);
  const card = page.getByRole('region', { name: 'Contact methods' });
  const label = unique('Metadata');
  await card.getByLabel('Kind').selectOption('webhook');
  await card.getByLabel('Label').fill(label);
  await card.getByLabel('Address or URL').fill('http://169.254.169.254/latest/meta-data/?q={message}');
  await card.getByRole('button', { name: 'Add contact method' }).click();
  await expect(card.locator('.field-error', { hasText: 'is a link-local address' })).toBeVisible();
  await expect(card.getByLabel('Label')).toHaveValue(label);
  await expect(card.locator('.cell-title', { hasText: label })).toHaveCount(0);
  expect(errors).toEqual([]);
});

for (const javaScriptEnabled of [true, false]) {
  test(`after signing in, a next address off the site leads home (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled, storageState: { cookies: [], origins: [] } });
    const page = await context.newPage();
    await page.goto('/login?next=' + encodeURIComponent('/\t/evil.example/'));
    if (javaScriptEnabled) await expectHydrated(page);
    await page.getByLabel('Email', { exact: true }).fill(ADMIN.email);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { level: 1, name: /^Welcome,/ })).toBeVisible();
    const url = new URL(page.url());
    expect(url.host).toBe('127.0.0.1:3100');
    expect(url.pathname).toBe('/');
    await context.close();
  });
}
