import { test, expect, type Page } from '@playwright/test';
import { ADMIN, ADMIN_STATE, addPerson, expectHydrated, failOnPageErrors, signIn, unique } from '../support';

/** A `datetime-local` value `minutes` before the one in `field`. */
async function earlierThan(page: Page, label: string, minutes: number): Promise<string> {
  const now = await page.getByLabel(label, { exact: true }).inputValue();
  const time = new Date(`${now}:00Z`);
  time.setUTCMinutes(time.getUTCMinutes() - minutes);
  return time.toISOString().slice(0, 16);
}

async function changeStatus(page: Page, status: string) {
  await page.getByLabel('New status').selectOption({ label: status });
  await page.getByRole('button', { name: 'Change status' }).click();
  await expect(page.getByLabel('Status and severity').getByText(status, { exact: true })).toBeVisible();
}

test('a commander runs an incident while a viewer follows it live', async ({ browser }) => {
  test.setTimeout(90_000);
  const adminContext = await browser.newContext({ storageState: ADMIN_STATE });
  const admin = await adminContext.newPage();
  const adminErrors = failOnPageErrors(admin);

  // An admin adds a service and two people: a responder to be scribe and a viewer.
  const service = unique('Checkout');
  await admin.goto('/settings/services');
  await expectHydrated(admin);
  const addService = admin.getByRole('region', { name: 'Add a service' });
  await addService.getByLabel('Name').fill(service);
  await addService.getByLabel('Description').fill('Cart and payment pages');
  await addService.getByRole('button', { name: 'Add service' }).click();
  await expect(admin.locator('.catalog-head').getByText(service, { exact: true })).toBeVisible();

  const scribe = { email: `${unique('scribe')}@example.com`, name: `Sam ${unique('S')}`, role: 'responder' as const, password: 'scribe passphrase 2026' };
  const viewer = { email: `${unique('viewer')}@example.com`, name: `Val ${unique('V')}`, role: 'viewer' as const, password: 'viewer passphrase 2026' };
  await admin.goto('/settings/users');
  await expectHydrated(admin);
  await addPerson(admin, scribe);
  await addPerson(admin, viewer);

  // Declare.
  const title = unique('Checkout errors');
  await admin.goto('/incidents');
  await expectHydrated(admin);
  await admin.getByRole('link', { name: 'Declare incident' }).click();
  await expect(admin.getByRole('heading', { name: 'Declare an incident' })).toBeVisible();
  await expectHydrated(admin);
  await admin.getByLabel('Title').fill(title);
  await admin.getByLabel('Severity').selectOption({ index: 1 });
  await admin.getByRole('group', { name: 'Affected services' }).getByLabel(service).check();
  await admin.getByLabel('Summary').fill('Card payments fail for about half of customers.');
  await admin.getByRole('button', { name: 'Declare incident' }).click();
  await expect(admin).toHaveURL(/\/incidents\/\d+$/);
  await expect(admin.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await expectHydrated(admin);
  const incidentUrl = admin.url();
  await expect(admin.getByLabel('Status and severity').getByText('Triage', { exact: true })).toBeVisible();

  // A viewer opens the same incident in another browser.
  const viewerContext = await browser.newContext();
  const watcher = await viewerContext.newPage();
  const watcherErrors = failOnPageErrors(watcher);
  await signIn(watcher, viewer.email, viewer.password);
  await watcher.goto(incidentUrl);
  await expectHydrated(watcher);
  await expect(watcher.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await expect(watcher.getByRole('button', { name: 'Change status' })).toHaveCount(0);
  // Marks this page load: if the page reloaded, the mark would be gone.
  await watcher.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));

  // Roles: a scribe, and the commander handed over; the viewer sees both without reloading.
  const roles = admin.getByRole('region', { name: 'Roles' });
  // An unassigned role reads so, and offers nobody until a person is chosen.
  const scribeRole = roles.locator('li.role', { has: admin.locator('.role-name', { hasText: /^Scribe$/ }) });
  await expect(scribeRole.locator('.role-holder')).toHaveText('Unassigned');
  await expect(roles.getByLabel('Person for Scribe')).toHaveValue('0');
  await roles.getByLabel('Person for Scribe').selectOption({ label: scribe.name });
  await roles.getByRole('button', { name: 'Assign Scribe' }).click();
  const watcherRoles = watcher.getByRole('region', { name: 'Roles' });
  await expect(watcherRoles.getByRole('listitem').filter({ hasText: 'Scribe' }).getByText(scribe.name)).toBeVisible();
  await roles.getByLabel('Person for Incident Commander').selectOption({ label: scribe.name });
  await roles.getByRole('button', { name: 'Reassign Incident Commander' }).click();
  await expect(watcher.locator('.facts').getByText(scribe.name)).toBeVisible();

  // The commander's checklist is ticked on the incident.
  await roles.getByText('Incident Commander checklist (0 of 4 done)').click();
  await roles.getByRole('button', { name: 'Confirm the severity' }).click();
  await expect(watcherRoles.getByText('Incident Commander checklist (1 of 4 done)')).toBeVisible();
  await expect(roles.getByRole('button', { name: 'Confirm the severity' })).toHaveAttribute('aria-pressed', 'true');

  // The severity changes next to the status, and the viewer sees it.
  const statusCard = admin.getByRole('region', { name: 'Status' });
  await statusCard.getByLabel('Severity').selectOption({ index: 1 });
  await statusCard.getByRole('button', { name: 'Change severity' }).click();
  await expect(watcher.locator('.entry-body').getByText(/changed the severity: SEV1 → SEV2/)).toBeVisible();

  // A backdated note, then pinned.
  const note = `Payments provider returned 502s ${unique('n')}`;
  await admin.getByLabel('Note', { exact: true }).fill(note);
  await admin.getByLabel('Occurred at', { exact: true }).fill(await earlierThan(admin, 'Occurred at', 90));
  await admin.getByRole('button', { name: 'Add note' }).click();
  const watcherEntry = watcher.getByRole('listitem').filter({ hasText: note });
  await expect(watcherEntry).toBeVisible();
  await expect(watcherEntry.locator('time')).toHaveText(/hour/);
  await expect(admin.getByLabel('Note', { exact: true })).toHaveValue('');

  await admin.getByRole('listitem').filter({ hasText: note }).getByRole('button', { name: /^Pin entry/ }).click();
  await expect(watcherEntry.getByText('Pinned', { exact: true })).toBeVisible();
  await watcher.getByRole('link', { name: 'Highlights' }).click();
  await expect(watcher.getByRole('list', { name: /Timeline entries/ }).getByRole('listitem')).toHaveCount(1);
  await expect(watcherEntry).toBeVisible();
  await watcher.getByRole('link', { name: 'All entries' }).click();

  // The note is corrected: the edit form opens for that note only and closes once saved.
  const corrected = `${note}, EU region only`;
  await admin.getByRole('listitem').filter({ hasText: note }).getByRole('link', { name: /^Edit note entry/ }).click();
  await expect(admin).toHaveURL(/\?edit=\d+#entry-\d+$/);
  await expect(admin.getByRole('form', { name: 'Edit note' })).toHaveCount(1);
  await expect(admin.getByLabel('Note text')).toHaveValue(note);
  await admin.getByLabel('Note text').fill(corrected);
  await admin.getByRole('button', { name: 'Save note' }).click();
  await expect(admin.getByRole('form', { name: 'Edit note' })).toHaveCount(0);
  await expect(admin).not.toHaveURL(/edit=/);
  await expect(watcherEntry.locator('.entry-body')).toHaveText(corrected);
  await watcherEntry.getByRole('button', { name: 'Show earlier versions' }).click();
  await expect(watcherEntry.getByRole('list', { name: 'Earlier versions' })).toContainText(note);

  // Through the statuses to resolved; the viewer follows each one.
  for (const status of ['Investigating', 'Identified', 'Monitoring', 'Resolved']) {
    await changeStatus(admin, status);
    await expect(watcher.getByLabel('Status and severity').getByText(status, { exact: true })).toBeVisible();
  }
  await expect(watcher.getByText('Time to resolve')).toBeVisible();

  // The commander's side corrects when the impact started; durations follow.
  await admin.getByText('Correct key times').click();
  await admin.getByLabel('Impact started', { exact: true }).fill(await earlierThan(admin, 'Impact started', 120));
  await admin.getByRole('button', { name: 'Save key times' }).click();
  await expect(watcher.locator('.durations')).toContainText(/Time to resolve\s*2h/);
  await expect(watcher.locator('.entry-body').getByText(/corrected the key times/)).toBeVisible();
  expect(await watcher.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);

  // The list shows it, found by a search.
  await admin.goto(`/incidents?q=${encodeURIComponent(title)}`);
  await expect(admin.getByRole('row', { name: new RegExp(title) }).getByText('Resolved')).toBeVisible();

  expect(adminErrors).toEqual([]);
  expect(watcherErrors).toEqual([]);
  await adminContext.close();
  await viewerContext.close();
});

test('an incident can be declared and its status changed with JavaScript turned off', async ({ browser }) => {
  const context = await browser.newContext({ storageState: ADMIN_STATE, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto('/incidents/declare');
  const title = unique('No script incident');
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Severity').selectOption({ index: 3 });
  await page.getByLabel('This is a drill').check();
  await page.getByRole('button', { name: 'Declare incident' }).click();
  await expect(page).toHaveURL(/\/incidents\/\d+$/);
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await expect(page.getByText('Drill', { exact: true }).first()).toBeVisible();

  // Merging is under More; a mistake comes back beside its field.
  await expect(page.getByLabel('New status').locator('option', { hasText: 'Merged' })).toHaveCount(0);
  await page.locator('summary', { hasText: 'More' }).click();
  await page.getByLabel('Merge into').fill('the other one');
  await page.getByRole('button', { name: 'Merge', exact: true }).click();
  await expect(page.getByText('Enter the reference of the incident to merge into')).toBeVisible();

  await page.getByLabel('New status').selectOption({ label: 'Investigating' });
  await page.getByRole('button', { name: 'Change status' }).click();
  await expect(page.getByLabel('Status and severity').getByText('Investigating', { exact: true })).toBeVisible();
  await expect(page.locator('.entry-body').getByText(`${ADMIN.name} changed the status: triage → investigating.`)).toBeVisible();
  await context.close();
});
