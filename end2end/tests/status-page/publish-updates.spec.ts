import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { ADMIN_STATE, declareIncident, expectHydrated, failOnPageErrors, unique } from '../support';

/** A `datetime-local` value `minutes` after the one in `field` (read as written). */
async function laterThan(page: Page, label: string, minutes: number): Promise<string> {
  const now = await page.getByLabel(label, { exact: true }).inputValue();
  const time = new Date(`${now}:00Z`);
  time.setUTCMinutes(time.getUTCMinutes() + minutes);
  return time.toISOString().slice(0, 16);
}

/** Opens the update composer on the incident page, fills it and sends it. */
async function sendUpdate(page: Page, fill: (composer: ReturnType<Page['locator']>) => Promise<void>) {
  const card = page.getByRole('region', { name: 'Updates' });
  const composer = card.locator('details.composer');
  if (!(await composer.evaluate((d) => (d as HTMLDetailsElement).open))) {
    await composer.locator('summary').click();
  }
  await fill(composer);
  await composer.getByRole('button', { name: 'Send update' }).click();
}

test('an internal and a public update: only the public one reaches the status page', async ({ browser }) => {
  test.setTimeout(90_000);
  const context = await browser.newContext({ storageState: ADMIN_STATE });
  const admin = await context.newPage();
  const errors = failOnPageErrors(admin);

  // A public service, and an incident that affects it.
  const service = unique('Payments');
  await admin.goto('/settings/services');
  await expectHydrated(admin);
  const addService = admin.getByRole('region', { name: 'Add a service' });
  await addService.getByLabel('Name').fill(service);
  await addService.getByLabel('Description').fill('Card payments');
  await addService.getByLabel('Show on the public status page').check();
  await addService.getByRole('button', { name: 'Add service' }).click();
  await expect(admin.locator('.catalog-head').getByText(service, { exact: true })).toBeVisible();

  const title = unique('psp-eu-2 timeouts');
  await declareIncident(admin, title, service);
  const updates = admin.getByRole('region', { name: 'Updates' });
  await expect(updates.getByText('No update has gone out yet.')).toBeVisible();

  // Internal: to stakeholders only (the default audience).
  const secret = unique('Internal: psp-eu-2 is rate limiting us');
  await sendUpdate(admin, async (composer) => {
    await expect(composer.getByLabel('Stakeholders (internal)')).toBeChecked();
    await composer.getByLabel('Message').fill(secret);
  });
  await expect(updates.locator('.update-entry').filter({ hasText: secret })).toBeVisible();
  await expect(updates.getByText('Last update just now.')).toBeVisible();

  // Public: to the status page, naming the incident for customers and setting the component.
  const publicName = unique('Card payments failing');
  const publicText = unique('Some card payments are failing');
  await sendUpdate(admin, async (composer) => {
    await composer.getByLabel('Stakeholders (internal)').uncheck();
    await composer.getByLabel('Status page (public)').check();
    await composer.getByLabel('Message').fill(publicText);
    await composer.getByLabel('Public name').fill(publicName);
    await composer.getByLabel(service).selectOption({ label: 'Partial outage' });
  });
  await expect(updates.locator('.update-entry').filter({ hasText: publicText })).toBeVisible();
  await expect(admin.locator('.timeline').getByText(publicText)).toBeVisible();

  // An anonymous visitor: no sign-in, no cookie, no script.
  const visitorContext = await browser.newContext();
  const visitor = await visitorContext.newPage();
  await visitor.goto('/status');
  await expect(visitor.getByRole('heading', { level: 2, name: 'Active incidents' })).toBeVisible();
  await expect(visitor.getByRole('link', { name: publicName })).toBeVisible();
  await expect(visitor.getByText(publicText)).toBeVisible();
  const component = visitor.locator('.component').filter({ hasText: service });
  await expect(component.locator('.state')).toHaveText('Partial outage');
  await expect(visitor.getByText(secret)).toHaveCount(0);
  await expect(visitor.getByText(title)).toHaveCount(0);
  expect(await visitorContext.cookies()).toEqual([]);
  expect(await visitor.locator('script').count()).toBe(0);
  const accessibility = await new AxeBuilder({ page: visitor }).analyze();
  expect(accessibility.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  await test.info().attach('public status page', { body: await visitor.screenshot({ fullPage: true }), contentType: 'image/png' });

  await visitor.getByRole('link', { name: publicName }).click();
  await expect(visitor.getByRole('heading', { level: 1, name: publicName })).toBeVisible();
  await expect(visitor.getByText(secret)).toHaveCount(0);

  expect(errors).toEqual([]);
  await visitorContext.close();
  await context.close();
});

test('a maintenance window appears, runs and ends by itself', async ({ browser }) => {
  test.setTimeout(150_000);
  const context = await browser.newContext({ storageState: ADMIN_STATE });
  const admin = await context.newPage();
  const errors = failOnPageErrors(admin);
  const service = unique('Search');
  await admin.goto('/settings/services');
  await expectHydrated(admin);
  const addService = admin.getByRole('region', { name: 'Add a service' });
  await addService.getByLabel('Name').fill(service);
  await addService.getByLabel('Show on the public status page').check();
  await addService.getByRole('button', { name: 'Add service' }).click();
  await expect(admin.locator('.catalog-head').getByText(service, { exact: true })).toBeVisible();

  const plan = async (title: string, startIn: number, lasts: number) => {
    await admin.goto('/status-page');
    await expectHydrated(admin);
    await admin.locator('summary', { hasText: 'Plan maintenance' }).click();
    const starts = await laterThan(admin, 'Starts', startIn);
    const form = admin.locator('form').filter({ has: admin.getByRole('button', { name: 'Plan maintenance' }) });
    await form.getByLabel('Title').fill(title);
    await form.getByLabel('Starts').fill(starts);
    await form.getByLabel('Ends').fill(await laterThan(admin, 'Starts', startIn + lasts));
    await form.getByRole('group', { name: 'Components' }).getByLabel(service).check();
    await form.getByLabel('Message').fill('Searches may be slow.');
    await form.getByRole('button', { name: 'Plan maintenance' }).click();
    await expect(admin.locator('.maintenance-list .catalog-head').getByText(title, { exact: true })).toBeVisible();
  };
  const later = unique('Index rebuild');
  const now = unique('Cache flush');
  await plan(later, 24 * 60, 60);
  // Starts this minute and ends at the next one. Planned in a minute's last seconds, its end
  // would pass before it is saved (and be refused as over): wait for the next minute then.
  const second = new Date().getSeconds();
  if (second >= 45) await admin.waitForTimeout((61 - second) * 1000);
  await plan(now, 0, 1);

  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto('/status');
  const section = visitor.getByRole('region', { name: 'Scheduled maintenance' });
  await expect(section.locator('article').filter({ hasText: later }).getByText('Scheduled')).toBeVisible();
  await expect(section.locator('article').filter({ hasText: now }).getByText('In progress')).toBeVisible();
  await expect(visitor.locator('.component').filter({ hasText: service }).locator('.state')).toHaveText('Under maintenance');

  // It ends by itself: within a minute (plus the page's ten seconds of caching).
  await expect(async () => {
    await visitor.reload();
    await expect(visitor.getByText(now)).toHaveCount(0);
  }).toPass({ timeout: 100_000, intervals: [5_000] });
  await expect(visitor.getByText(later)).toBeVisible();
  await expect(visitor.locator('.component').filter({ hasText: service }).locator('.state')).toHaveText('Operational');
  expect(errors).toEqual([]);
  await context.close();
});
