import { test, expect } from '@playwright/test';
import { ADMIN_STATE, expectHydrated, failOnPageErrors, mainPages } from '../support';

test.use({ storageState: ADMIN_STATE });

test('the release build hydrates and navigates on the client without errors', async ({ page }) => {
  const errors = failOnPageErrors(page);
  await page.goto('/');
  await expectHydrated(page);
  await page.evaluate(() => ((window as any).__sameDocument = true));
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Incidents' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Incidents' })).toBeVisible();
  await expect(page.getByRole('heading', { name: /^Open now/ })).toBeVisible();
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
  await expect(page.getByRole('link', { name: 'Incidents' })).toHaveAttribute('aria-current', 'page');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'On-call' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'On-call' })).toBeVisible();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Post-mortems' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Post-mortems' })).toBeVisible();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Action items' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Action items' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'My action items' })).toHaveAttribute('aria-current', 'page');
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
  expect(errors).toEqual([]);
});

test('the theme can be switched to dark and back, and is remembered', async ({ page }) => {
  await page.goto('/settings');
  await expectHydrated(page);
  // In the header; choosing is enough.
  await expect(page.getByRole('banner').getByLabel('Theme')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Apply' })).toBeHidden();
  await page.getByLabel('Theme').selectOption('dark');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(background).toBe('rgb(17, 19, 22)');
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  // Before hydration choosing needs Apply; wait for the page to take the choice by itself.
  await expectHydrated(page);
  await expect(page.getByLabel('Theme')).toHaveValue('dark');
  await page.getByLabel('Theme').selectOption('light');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
});

test('the theme is chosen without JavaScript too, with Apply', async ({ browser }) => {
  const context = await browser.newContext({ storageState: ADMIN_STATE, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto('/settings');
  await page.getByLabel('Theme').selectOption('dark');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.getByLabel('Theme').selectOption('system');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'system');
  await context.close();
});

test('pages fit a phone screen', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 740 });
  const paths = await mainPages(page);
  for (const path of paths) {
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${path} scrolls sideways`).toBeLessThanOrEqual(0);
    // The navigation is folded into the menu.
    await expect(page.getByRole('button', { name: 'Menu' })).toBeVisible();
  }
  // The public pages have their own layout.
  for (const path of ['/status', '/status/history']) {
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${path} scrolls sideways`).toBeLessThanOrEqual(0);
  }
});

test('a signed-in person changes their time zone and it is kept', async ({ page }) => {
  await page.goto('/settings/profile');
  await expectHydrated(page);
  const details = page.getByRole('region', { name: 'Details' });
  await details.getByLabel('Time zone').selectOption('Asia/Tokyo');
  await details.getByRole('button', { name: 'Save profile' }).click();
  await expect(details.getByText('Profile saved.')).toBeVisible();
  await page.reload();
  await expect(page.getByRole('region', { name: 'Details' }).getByLabel('Time zone')).toHaveValue('Asia/Tokyo');
});
